import { beforeEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/core/config';
import type { Session } from '../../src/core/pipeline/session';
import type { StepReport } from '../../src/core/train/trainer';
import type { EngineEvent } from '../../workers/engine-api';
import type { RunRecord, RunStatus } from '../../workers/session-api';
import { createSessionContext, type SessionContext } from '../../workers/session/state';
import { trainingCommands } from '../../workers/session/training';
import { TaskRegistry } from '../../workers/tasks';

// The run store and the checkpoint encoder are replaced (no IndexedDB in Node, no tensors in the
// fake session): what is tested is when the training commands save, with which status and step.
interface Write {
  status: RunStatus;
  step: number;
  /** Step of the checkpoint written with the record, or null for a record-only save. */
  checkpoint: number | null;
}
const db = vi.hoisted(() => ({
  writes: [] as Write[],
  stored: new Map<string, RunRecord>(),
  /** Writes still to refuse (a full quota). */
  refuse: 0,
}));

vi.mock('../../src/core/pipeline/checkpoint', () => ({
  // The "checkpoint" is the step it was taken at.
  encodeSession: async (s: Session) => Uint8Array.of(s.trainer.step),
  decodeSession: () => {
    throw new Error('not used here');
  },
}));

vi.mock('../../workers/session/runs-db', () => ({
  // As runs-db.ts: the store decides hasCheckpoint / checkpointStep.
  saveRun: async (record: RunRecord, checkpoint?: Uint8Array): Promise<RunRecord> => {
    if (db.refuse > 0) {
      db.refuse -= 1;
      throw new Error('The browser storage quota is full: the run could not be saved.');
    }
    const old = db.stored.get(record.id);
    const stored: RunRecord = checkpoint
      ? { ...record, hasCheckpoint: true, checkpointStep: checkpoint[0] }
      : { ...record, hasCheckpoint: old?.hasCheckpoint ?? false, checkpointStep: old?.checkpointStep };
    db.stored.set(record.id, stored);
    db.writes.push({
      status: record.status,
      step: record.step,
      checkpoint: checkpoint ? checkpoint[0] : null,
    });
    return stored;
  },
}));

const report = (step: number): StepReport => ({
  step,
  lr: 1e-3,
  loss: { kd: 1, ot: 0, con: 0, se: 0, total: 1 },
  gradNorm: null,
  selected: null,
  batchSize: 2,
  ms: 1,
});

/** A session whose steps only count (and may be told to fail or to cancel its task at a step). */
function fakeSession(steps: number, hooks: { at?: number; then?: () => void } = {}): Session {
  const trainer = { step: 0, notes: [] as string[] };
  const config = validateConfig({ steps, teacher: 'mobilenet_v2' });
  const session = {
    kind: config.model,
    config,
    trainer,
    get stepsDone() {
      return trainer.step;
    },
    totalSteps: steps,
    parameters: 10,
    notes: trainer.notes,
    memorySources: null,
    net: { store: { count: () => 10 } },
    teacher: { channels: [1, 2, 3] },
    banks: null,
    async step() {
      trainer.step += 1;
      if (trainer.step === hooks.at) hooks.then?.();
      return report(trainer.step);
    },
    dispose() {},
  };
  return session as unknown as Session;
}

function setup(session: Session): {
  ctx: SessionContext;
  events: EngineEvent[];
  tasks: TaskRegistry;
  commands: ReturnType<typeof trainingCommands>;
} {
  const events: EngineEvent[] = [];
  const tasks = new TaskRegistry((e) => events.push(e));
  const ctx = createSessionContext(tasks, (e) => events.push(e));
  ctx.state.session = session;
  return { ctx, events, tasks, commands: trainingCommands(ctx) };
}

const checkpointEvents = (events: EngineEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : []));
const storedRun = (ctx: SessionContext): RunRecord => db.stored.get(ctx.state.run!.id)!;

beforeEach(() => {
  db.writes.length = 0;
  db.stored.clear();
  db.refuse = 0;
});

describe('a run saves its last step', () => {
  it('120 steps with a checkpoint every 50: saved at 50, 100 and 120 (finished)', async () => {
    const { ctx, events, commands } = setup(fakeSession(120));
    const result = await commands.train({ taskId: 't', untilStep: 120, checkpointEvery: 50 });
    expect(result).toEqual({ step: 120, paused: false });
    expect(db.writes).toEqual([
      { status: 'training', step: 50, checkpoint: 50 },
      { status: 'training', step: 100, checkpoint: 100 },
      { status: 'finished', step: 120, checkpoint: 120 },
    ]);
    expect(checkpointEvents(events)).toEqual([50, 100, 120]);
    expect(storedRun(ctx)).toMatchObject({
      status: 'finished',
      step: 120,
      checkpointStep: 120,
      targetStep: 120,
    });
  });

  it('a last step on the checkpoint interval is written once, with the final status', async () => {
    const { commands } = setup(fakeSession(100));
    await commands.train({ taskId: 't', checkpointEvery: 50 });
    expect(db.writes).toEqual([
      { status: 'training', step: 50, checkpoint: 50 },
      { status: 'finished', step: 100, checkpoint: 100 },
    ]);
  });

  it('without periodic checkpoints the last step is still saved', async () => {
    const { ctx, events, commands } = setup(fakeSession(7));
    await commands.train({ taskId: 't', checkpointEvery: 0 });
    expect(db.writes).toEqual([{ status: 'finished', step: 7, checkpoint: 7 }]);
    expect(checkpointEvents(events)).toEqual([7]);
    expect(storedRun(ctx).checkpointStep).toBe(7);
  });
});

describe('status transitions', () => {
  it('Pause → paused at the step reached; Stop then → stopped, without writing that step again', async () => {
    let tasks: TaskRegistry | null = null;
    const s = fakeSession(120, { at: 7, then: () => tasks!.cancel('t') });
    const env = setup(s);
    tasks = env.tasks;
    const result = await env.commands.train({ taskId: 't', checkpointEvery: 5 });
    expect(result).toEqual({ step: 7, paused: true });
    expect(storedRun(env.ctx)).toMatchObject({ status: 'paused', step: 7, checkpointStep: 7 });
    expect(checkpointEvents(env.events)).toEqual([5, 7]);

    const info = await env.commands.stopRun();
    expect(info.step).toBe(7);
    expect(storedRun(env.ctx)).toMatchObject({ status: 'stopped', step: 7, checkpointStep: 7 });
    expect(db.writes.at(-1)).toEqual({ status: 'stopped', step: 7, checkpoint: null });
  });

  it('Stop after a failed save writes the last step with the record', async () => {
    let tasks: TaskRegistry | null = null;
    const cancelAndFillStorage = () => {
      tasks!.cancel('t');
      db.refuse = 1;
    };
    const env = setup(fakeSession(120, { at: 9, then: cancelAndFillStorage }));
    tasks = env.tasks;
    await env.commands.train({ taskId: 't', checkpointEvery: 4 });
    // The pause's save at step 9 failed (quota, reported as an event); step 8's checkpoint stays ...
    expect(db.writes.at(-1)).toEqual({ status: 'training', step: 8, checkpoint: 8 });
    expect(env.events.some((e) => e.type === 'checkpoint-failed' && e.step === 9)).toBe(true);
    await env.commands.stopRun();
    // ... until Stop writes step 9.
    expect(db.writes.at(-1)).toEqual({ status: 'stopped', step: 9, checkpoint: 9 });
    expect(storedRun(env.ctx).checkpointStep).toBe(9);
  });

  it('a step that throws → failed, with the steps done saved', async () => {
    const s = fakeSession(120, {
      at: 5,
      then: () => {
        throw new Error('out of memory');
      },
    });
    const { ctx, commands } = setup(s);
    await expect(commands.train({ taskId: 't', checkpointEvery: 0 })).rejects.toThrow('out of memory');
    expect(storedRun(ctx)).toMatchObject({ status: 'failed', step: 5, checkpointStep: 5 });
  });

  it('a finished run trains further to a new step count and is finished there', async () => {
    const { ctx, events, commands } = setup(fakeSession(20));
    await commands.train({ taskId: 't1', checkpointEvery: 0 });
    expect(storedRun(ctx)).toMatchObject({ status: 'finished', step: 20, targetStep: 20 });
    await commands.train({ taskId: 't2', untilStep: 30, checkpointEvery: 0 });
    expect(storedRun(ctx)).toMatchObject({
      status: 'finished',
      step: 30,
      checkpointStep: 30,
      targetStep: 30,
    });
    expect(checkpointEvents(events)).toEqual([20, 30]);
    // Stop on a run at its target is no stop: it stays finished.
    await commands.stopRun();
    expect(storedRun(ctx).status).toBe('finished');
  });
});
