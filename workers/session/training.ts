// The training commands: a new session from a config, the training loop that checkpoints the run
// as it goes (and always at its last step), pauses on cancel and recovers from a lost GPU or an
// out-of-memory step, and Stop, which ends a run before its last step.
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../src/core/config';
import { Session } from '../../src/core/pipeline/session';
import { wasmPreflight } from '../recovery-policy';
import type { RunRecord, SessionCommands } from '../session-api';
import { CancelledError } from '../tasks';
import { TRAINING } from './recovery-guard';
import { guardFor, settledSession } from './recovery';
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
        const session = await Session.create(teacher, data, config, {
          onProgress: (d, t, m) => task.progress(d, t, m),
          signal: task.signal,
        });
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
        let s = await settledSession(ctx);
        const run = state.run ?? (state.run = newRun(state, s.config));
        const until = opts.untilStep ?? s.config.steps;
        run.targetStep = until;
        const every = opts.checkpointEvery ?? CHECKPOINT_EVERY;
        const guard = guardFor(ctx, TRAINING);
        /** Device work of the loop; a recovery hands back the session restored from the last checkpoint. */
        const guarded = async <T>(work: () => Promise<T>): Promise<{ value: T } | { session: Session }> =>
          guard ? guard.run(s, work) : { value: await work() };
        if (backend?.active() === 'wasm' && s.trainer.step < until) {
          const warning = wasmPreflight(s.net.store.count(), s.config);
          if (warning) emit({ type: 'log', level: 'warn', message: warning });
        }
        try {
          while (s.trainer.step < until) {
            const stepped = await guarded(() => s.step());
            if ('session' in stepped) {
              s = stepped.session;
              await task.checkpoint();
              continue;
            }
            const report = stepped.value;
            run.history.push({ ...report, selected: null });
            const numTensors = tf.memory().numTensors;
            emit({ type: 'step', runId: run.id, report, totalSteps: until, numTensors });
            // The last step is saved below, with the run's final status.
            if (every > 0 && s.trainer.step % every === 0 && s.trainer.step < until) {
              const saved = await guarded(() => persist(ctx, 'training', true));
              if ('session' in saved) s = saved.session;
            }
            await task.checkpoint();
          }
        } catch (e) {
          if (e instanceof CancelledError) {
            await persist(ctx, 'paused', !savedAt(run, s.trainer.step));
            return { step: s.trainer.step, paused: true };
          }
          // After a loss the weights are gone: the last checkpoint stays the run's state.
          if (!backend?.lost()) await persist(ctx, 'failed', true);
          throw e;
        }
        await persist(ctx, 'finished', true);
        return { step: s.trainer.step, paused: false };
      });
    },

    async stopRun() {
      const s = await settledSession(ctx);
      const run = state.run;
      if (!run) throw new Error('No run to stop.');
      const reached = s.trainer.step >= (run.targetStep ?? s.config.steps);
      // A pause just before saved this very step; a failed save or none is made up for here.
      await persist(ctx, reached ? 'finished' : 'stopped', !savedAt(run, s.trainer.step));
      return info(state);
    },
  };
}
