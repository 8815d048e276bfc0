// The training commands: a new session from a config, the training loop that checkpoints the run
// as it goes (and always at its last step), pauses on cancel and recovers from a lost GPU or an
// out-of-memory step, and Stop, which ends a run before its last step.
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../src/core/config';
import { createSession, type ModelSession } from '../../src/core/pipeline/model-session';
import type { PatchCoreSession } from '../../src/core/pipeline/patchcore-session';
import type { Session } from '../../src/core/pipeline/session';
import type { FitProgress } from '../../src/core/patchcore/model';
import { wasmPreflight } from '../recovery-policy';
import type { RunRecord, SessionCommands, TrainResult } from '../session-api';
import { CancelledError, type TaskHandle } from '../tasks';
import { TRAINING } from './recovery-guard';
import { LiveMaps } from './live-maps';
import { guardFor, sessionOnLoadedData, settledSession } from './recovery';
import { info, newRun, persist, replaceSession, requireData, teacherFor, type SessionContext } from './state';

const CHECKPOINT_EVERY = 50;

/** Whether the run's stored checkpoint is of `step` already (no need to write it again). */
const savedAt = (run: RunRecord, step: number): boolean => run.hasCheckpoint && run.checkpointStep === step;

type TrainingCommands = Pick<SessionCommands, 'createSession' | 'sessionInfo' | 'train' | 'stopRun'>;

export function trainingCommands(ctx: SessionContext): TrainingCommands {
  const { state, tasks, emit, backend } = ctx;
  return {
    async createSession(partial, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const config = validateConfig(partial);
        const data = requireData(state);
        const teacher = await teacherFor(state, config.teacher, (d, t) =>
          task.progress(d, t, `Loading the ${config.teacher} teacher`),
        );
        const session = await createSession(teacher, data, config, {
          onProgress: (d, t, m) => task.progress(d, t, m),
          signal: task.signal,
        });
        // A Stop that arrives after the last check inside createSession still cancels.
        if (task.signal.aborted) {
          session.dispose();
          throw new CancelledError(task.id);
        }
        replaceSession(state, session);
        state.run = newRun(state, config);
        await persist(ctx, 'training', false);
        return info(state);
      });
    },

    async sessionInfo() {
      return state.session ? info(state) : null;
    },

    async train(opts) {
      return tasks.run(opts.taskId, async (task) => {
        const s = await sessionOnLoadedData(ctx);
        if (s.kind === 'patchcore') return fitMemory(ctx, task, s, opts.untilStep);
        let trained = s;
        const run = state.run ?? (state.run = newRun(state, s.config));
        const until = opts.untilStep ?? s.config.steps;
        run.targetStep = until;
        const every = opts.checkpointEvery ?? CHECKPOINT_EVERY;
        const guard = guardFor(ctx, TRAINING);
        const live = opts.live ? new LiveMaps(ctx, run.id, opts.live, s) : null;
        /** Device work of the loop; a recovery hands back the session restored from the last checkpoint. */
        const guarded = async <T>(work: () => Promise<T>): Promise<{ value: T } | { session: Session }> => {
          const r = guard ? await guard.run(trained, work) : { value: await work() };
          return 'session' in r ? { session: sameKind(r.session, trained) } : r;
        };
        if (backend?.active() === 'wasm' && trained.stepsDone < until) {
          const warning = wasmPreflight(trained.parameters, trained.config);
          if (warning) emit({ type: 'log', level: 'warn', message: warning });
        }
        try {
          while (trained.stepsDone < until) {
            const stepped = await guarded(() => trained.step());
            if ('session' in stepped) {
              trained = stepped.session;
              await task.checkpoint();
              continue;
            }
            const report = stepped.value;
            run.history.push({ ...report, selected: null });
            const numTensors = tf.memory().numTensors;
            emit({ type: 'step', runId: run.id, report, totalSteps: until, numTensors });
            if (live) {
              const scored = await guarded(() => live.afterStep(trained, report.ms));
              if ('session' in scored) trained = scored.session;
            }
            // The last step is saved below, with the run's final status.
            if (every > 0 && trained.stepsDone % every === 0 && trained.stepsDone < until) {
              const saved = await guarded(() => persist(ctx, 'training', true));
              if ('session' in saved) trained = saved.session;
            }
            await task.checkpoint();
          }
        } catch (e) {
          if (e instanceof CancelledError) {
            await persist(ctx, 'paused', !savedAt(run, trained.stepsDone));
            return { step: trained.stepsDone, paused: true };
          }
          // After a loss the weights are gone: the last checkpoint stays the run's state.
          if (!backend?.lost()) await persist(ctx, 'failed', true);
          throw e;
        }
        if (live) {
          const scored = await guarded(() => live.finish(trained));
          if ('session' in scored) trained = scored.session;
          // The kept step's BatchNorm statistics are its running averages: set the final ones again.
          if (live.restoreBest(trained) !== null && trained.config.statsBatches > 0)
            await trained.averageStatistics(trained.config.statsBatches);
        }
        await persist(ctx, 'finished', true);
        return { step: trained.stepsDone, paused: false };
      });
    },

    async stopRun() {
      const s = await settledSession(ctx);
      const run = state.run;
      if (!run) throw new Error('No run to stop.');
      const reached = s.stepsDone >= (run.targetStep ?? s.totalSteps);
      // A pause just before saved this very step; a failed save or none is made up for here.
      await persist(ctx, reached ? 'finished' : 'stopped', !savedAt(run, s.stepsDone));
      return info(state);
    },
  };
}

/** A session rebuilt for the run of `before` holds the same kind of model (the run's config). */
function sameKind<S extends ModelSession>(session: ModelSession, before: S): S {
  if (session.kind !== before.kind)
    throw new Error(`The run was rebuilt as ${session.kind}, not ${before.kind}.`);
  return session as S;
}

const FIT_PHASE: Record<FitProgress['phase'], string> = {
  features: 'Embedding the training images',
  coreset: 'Choosing the coreset',
  done: 'Memory ready',
};

/**
 * PatchCore's "training": the fit, one step at a time, as `progress` events (images embedded, then
 * coreset centres chosen, with the fit's own time estimate, as an image and a centre take very
 * different times). Cancel pauses it; the fit goes on from where it stopped while the session
 * lives. A checkpoint of an unfinished fit holds no memory, so a run resumed from storage fits again.
 */
async function fitMemory(
  ctx: SessionContext,
  task: TaskHandle,
  start: PatchCoreSession,
  untilStep?: number,
): Promise<TrainResult> {
  const { state, backend } = ctx;
  let s = start;
  const run = state.run ?? (state.run = newRun(state, s.config));
  const until = Math.min(untilStep ?? s.totalSteps, s.totalSteps);
  run.targetStep = s.totalSteps;
  const guard = guardFor(ctx, TRAINING);
  try {
    while (!s.fitted && s.stepsDone < until) {
      const stepped = guard ? await guard.run(s, () => s.fitStep()) : { value: await s.fitStep() };
      if ('session' in stepped) {
        s = sameKind(stepped.session, s);
        await task.checkpoint();
        continue;
      }
      const p = stepped.value;
      const radius = p.radius === null ? '' : `, covering radius ${p.radius.toPrecision(4)}`;
      task.progress(p.done, p.total, `${FIT_PHASE[p.phase]}${radius}`, p.etaMs);
      await task.checkpoint();
    }
  } catch (e) {
    if (e instanceof CancelledError) {
      await persist(ctx, 'paused', !savedAt(run, s.stepsDone));
      return { step: s.stepsDone, paused: true };
    }
    if (!backend?.lost()) await persist(ctx, 'failed', true);
    throw e;
  }
  await persist(ctx, s.fitted ? 'finished' : 'paused', true);
  return { step: s.stepsDone, paused: false };
}
