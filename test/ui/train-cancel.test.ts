import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CANCELLED_ERROR_NAME } from '../../workers/engine-api';

// The engine worker is replaced by an object whose createSession waits until cancelled and then
// rejects as comlink delivers a worker's CancelledError (an Error with that name); what is tested is
// what the Train panel's store makes of Stop during "Creating the session".
const engine = vi.hoisted(() => ({
  pending: null as ((err: Error) => void) | null,
  cancels: [] as string[],
  stopRuns: 0,
}));

vi.mock('../../src/client/engine', () => ({
  getEngine: () => ({
    createSession: () =>
      new Promise((_resolve, reject) => {
        engine.pending = reject;
      }),
    cancel: async (taskId: string) => {
      engine.cancels.push(taskId);
      const err = new Error(`Task ${taskId} was cancelled`);
      err.name = CANCELLED_ERROR_NAME;
      engine.pending?.(err);
      engine.pending = null;
      return true;
    },
    stopRun: async () => {
      engine.stopRuns += 1;
      return null;
    },
    sessionInfo: async () => null,
    memory: async () => ({ numTensors: 0, numBytes: 0, numBytesInGPU: null }),
    subscribe: async () => 1,
    unsubscribe: async () => undefined,
  }),
  newTaskId: (kind: string) => `${kind}-1`,
  stopEngine: () => undefined,
  subscribeEngine: async () => () => undefined,
  onEngineCrash: () => () => undefined,
}));

vi.stubGlobal('location', { search: '' });

const { useEngineStore } = await import('../../src/state/engine-store');
const { CREATION_CANCELLED, useTrainStore } = await import('../../src/state/train-store');

const until = async (ready: () => boolean): Promise<void> => {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((r) => setTimeout(r, 1));
};

beforeEach(() => {
  engine.pending = null;
  engine.cancels.length = 0;
  engine.stopRuns = 0;
  useEngineStore.setState({ status: 'ready' });
});

describe('Stop during "Creating the session"', () => {
  it('ends in a plain cancelled status, no error, and Start works again', async () => {
    const store = useTrainStore.getState();
    const started = store.start();
    await until(() => engine.pending !== null);
    expect(useTrainStore.getState().error).toBeNull();
    expect(useTrainStore.getState().status).toBe('creating');
    await useTrainStore.getState().stop();
    await started;
    const s = useTrainStore.getState();
    expect(engine.cancels).toEqual(['session-1']);
    expect(s.status).toBe('idle');
    expect(s.error).toBeNull();
    expect(s.notice).toBe(CREATION_CANCELLED);
    expect(s.taskId).toBeNull();
    expect(engine.stopRuns).toBe(0);
    // The next Start clears the word and creates again.
    const again = useTrainStore.getState().start();
    await until(() => engine.pending !== null);
    expect(useTrainStore.getState()).toMatchObject({ status: 'creating', notice: null });
    await useTrainStore.getState().stop();
    await again;
    expect(useTrainStore.getState().status).toBe('idle');
  });
});
