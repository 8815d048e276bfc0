import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import type { Teacher } from '../../src/core/backbones/teacher';
import { CANCELLED_ERROR_NAME, type EngineEvent } from '../../workers/engine-api';
import { createSessionContext, type SessionContext } from '../../workers/session/state';
import { trainingCommands } from '../../workers/session/training';
import { TaskRegistry } from '../../workers/tasks';

// Session creation is replaced by one that waits and checks the task's signal as the memory-bank
// build does (`signal.throwIfAborted()` between chunks); what is tested is what a Stop during
// "Creating the session" makes of it.
const fake = vi.hoisted(() => ({
  /** Resolves the pending creation when called. */
  release: null as (() => void) | null,
  disposed: 0,
  saves: 0,
}));

vi.mock('../../src/core/pipeline/model-session', () => ({
  createSession: (_t: unknown, _d: unknown, config: unknown, opts: { signal?: AbortSignal }) =>
    new Promise((resolve, reject) => {
      const session = { config, dispose: () => (fake.disposed += 1) };
      fake.release = () => resolve(session);
      opts.signal?.addEventListener('abort', () => {
        try {
          opts.signal?.throwIfAborted();
        } catch (err) {
          reject(err);
        }
      });
    }),
}));

vi.mock('../../workers/session/runs-db', () => ({
  saveRun: async (record: unknown) => {
    fake.saves += 1;
    return record;
  },
}));

function setup(): { ctx: SessionContext; events: EngineEvent[]; tasks: TaskRegistry } {
  const events: EngineEvent[] = [];
  const tasks = new TaskRegistry((e) => events.push(e));
  const ctx = createSessionContext(tasks, (e) => events.push(e));
  ctx.state.teacher = { name: 'mobilenet_v2' } as Teacher;
  ctx.state.data = {
    size: 8,
    train: [{ path: 'a/train/good/0.png', rgb: new Uint8Array(8 * 8 * 3) }],
    test: [],
    textures: [],
  } as DatasetImages;
  return { ctx, events, tasks };
}

const until = async (ready: () => boolean): Promise<void> => {
  while (!ready()) await new Promise((r) => setTimeout(r, 1));
};

beforeEach(() => {
  fake.release = null;
  fake.disposed = 0;
  fake.saves = 0;
});

describe('Stop while the session is being created', () => {
  it('rejects as a cancel (not "signal is aborted without reason") and leaves no session', async () => {
    const { ctx, events, tasks } = setup();
    const creating = trainingCommands(ctx).createSession({ teacher: 'mobilenet_v2' }, { taskId: 's1' });
    await until(() => fake.release !== null);
    expect(tasks.cancel('s1')).toBe(true);
    const err: unknown = await creating.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe(CANCELLED_ERROR_NAME);
    expect((err as Error).message).not.toMatch(/aborted without reason/);
    expect(events.at(-1)).toMatchObject({ type: 'task', task: 's1', state: 'cancelled' });
    expect(ctx.state.session).toBeNull();
    expect(ctx.state.run).toBeNull();
    expect(fake.saves).toBe(0);
    expect(tasks.isRunning('s1')).toBe(false);
  });

  it('a Stop that lands after the session was built still cancels, and frees that session', async () => {
    const { ctx, tasks } = setup();
    const creating = trainingCommands(ctx).createSession({ teacher: 'mobilenet_v2' }, { taskId: 's2' });
    await until(() => fake.release !== null);
    fake.release!();
    tasks.cancel('s2');
    await expect(creating).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });
    expect(fake.disposed).toBe(1);
    expect(ctx.state.session).toBeNull();
    expect(fake.saves).toBe(0);
  });

  it('the next start after a cancelled one creates its session', async () => {
    const { ctx, tasks } = setup();
    const commands = trainingCommands(ctx);
    const first = commands.createSession({ teacher: 'mobilenet_v2' }, { taskId: 's3' });
    await until(() => fake.release !== null);
    tasks.cancel('s3');
    await first.catch(() => undefined);
    fake.release = null;
    const second = commands.createSession({ teacher: 'mobilenet_v2' }, { taskId: 's4' });
    await until(() => fake.release !== null);
    fake.release!();
    await second.catch(() => undefined);
    expect(ctx.state.session).not.toBeNull();
    expect(ctx.state.run?.status).toBe('training');
  });
});
