// How commands that run device work survive a lost GPU or an out-of-memory step: the model is
// dropped, the run rebuilt from its last checkpoint on a fresh backend, the work run again.
import { describeDataset } from '../../src/core/data/fingerprint';
import { createSession, type ModelSession } from '../../src/core/pipeline/model-session';
import * as runsDb from './runs-db';
import { RecoveryGuard, type GuardOptions } from './recovery-guard';
import {
  replaceSession,
  requireData,
  requireSession,
  restore,
  teacherFor,
  type SessionContext,
  type SessionState,
} from './state';

/** Forgets the session and teacher after a device loss or OOM (their tensors may be dead). */
function dropModel(state: SessionState): void {
  for (const owner of [state.session, state.teacher]) {
    try {
      owner?.dispose();
    } catch {
      // The backend died with its memory; nothing to free.
    }
  }
  state.session = null;
  state.teacher = null;
  state.evaluation = null;
}

/**
 * The current run again, from its last checkpoint (or from scratch when `fromScratch`: training
 * redoes the steps anyway), on the active backend.
 */
async function rebuildRun(state: SessionState, batchSize: number, fromScratch = true): Promise<ModelSession> {
  const run = state.run;
  if (!run) throw new Error('No run to restore.');
  const bytes = run.hasCheckpoint ? await runsDb.getCheckpoint(run.id) : undefined;
  let session: ModelSession;
  if (bytes) {
    session = await restore(state, bytes, () => {});
  } else if (!fromScratch) {
    throw new Error(
      'this run has no saved checkpoint, so the trained model is gone with the GPU. ' +
        'Train it again (or resume a run with a checkpoint from the Runs tab), then try again.',
    );
  } else {
    const teacher = await teacherFor(state, run.config.teacher);
    session = await createSession(teacher, requireData(state), { ...run.config });
  }
  session.config.batchSize = batchSize;
  replaceSession(state, session);
  run.config = session.config;
  run.history = run.history.filter((r) => r.step <= session.stepsDone);
  run.step = session.stepsDone;
  return session;
}

/** A guard for one call of `options.activity`; none without backend control (Node tests). */
export function guardFor(ctx: SessionContext, options: GuardOptions): RecoveryGuard | null {
  const { state, backend, emit, gate } = ctx;
  if (!backend) return null;
  const host = {
    runId: () => state.run?.id ?? '',
    backend,
    emit,
    drop: () => dropModel(state),
    // Evaluating or scoring a freshly initialised model would be meaningless: only the training
    // loop may start over from the config.
    rebuild: (batchSize: number) => rebuildRun(state, batchSize, options.activity === 'training'),
    savedStep: () => (state.run?.hasCheckpoint ? (state.run.checkpointStep ?? 0) : 0),
    gate,
  };
  return new RecoveryGuard(host, options);
}

/** The session, once any recovery in flight (started by another command) has finished. */
export async function settledSession(ctx: SessionContext): Promise<ModelSession> {
  await ctx.gate.settled();
  return requireSession(ctx.state);
}

/**
 * The settled session, refused while another dataset is loaded: the model scores and samples the
 * images it was made on, so evaluating or training it beside another folder would pair its results
 * with the wrong images (and, after a file was left out, with an image that is not there).
 */
export async function sessionOnLoadedData(ctx: SessionContext): Promise<ModelSession> {
  const s = await settledSession(ctx);
  const { data, summary, run } = ctx.state;
  if (!data || s.data === data) return s;
  const made = run?.datasetFingerprint ? describeDataset(run.datasetFingerprint) : 'another dataset';
  const loaded = summary ? describeDataset(summary.fingerprint) : 'another dataset';
  throw new Error(
    `The model in memory was made on ${made}, and ${loaded} is loaded since. To evaluate or train ` +
      'it, open its run from Runs (it asks for its folder and checks it is the same); to train on ' +
      'the loaded folder, start a new run.',
  );
}

/**
 * `work` on the settled session under a guard for `options` (a lost device restores the run's
 * last checkpoint and runs it again); plain without backend control (Node tests).
 */
export async function guarded<T>(
  ctx: SessionContext,
  options: GuardOptions,
  work: (s: ModelSession) => Promise<T>,
): Promise<T> {
  const s = await settledSession(ctx);
  const guard = guardFor(ctx, options);
  return guard ? (await guard.complete(s, work)).value : work(s);
}
