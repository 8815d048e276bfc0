import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CANCELLED_ERROR_NAME, type EngineEvent, type ExportPlan } from '../../workers/engine-api';

// "Download checkpoint" goes through the Export panel's file-export store like the other exports.
// The engine worker is replaced by an object whose exportFile reports progress and then waits until
// it is cancelled (rejecting as comlink delivers a worker's CancelledError) or released; what is
// tested is what the panel shows: the plan before writing, the progress, and a cancel that hands
// nothing to download.
const PLAN: ExportPlan = {
  kind: 'checkpoint',
  fileName: 'dmgrd-bottle-mobilenet_v2-step4.safetensors',
  items: [
    { path: 'param/*', bytes: 3000, approximate: false, what: 'the trained weights (750 parameters)' },
    { path: '__metadata__', bytes: 1000, approximate: false, what: 'the configuration' },
  ],
  totalBytes: 4000,
};

const engine = vi.hoisted(() => ({
  emit: null as ((e: EngineEvent) => void) | null,
  calls: [] as string[],
  pending: null as { reject: (err: Error) => void; resolve: () => void } | null,
}));

vi.mock('../../src/client/engine', () => ({
  getEngine: () => ({
    exportPlan: async (kind: string) => {
      engine.calls.push(`plan ${kind}`);
      return PLAN;
    },
    exportFile: (kind: string, opts: { taskId: string }) => {
      engine.calls.push(`write ${kind}`);
      engine.emit?.({
        type: 'progress',
        task: opts.taskId,
        done: 1500,
        total: 3000,
        message: 'Writing the checkpoint',
      });
      return new Promise((resolve, reject) => {
        engine.pending = {
          reject,
          resolve: () =>
            resolve({ fileName: PLAN.fileName, blob: new Blob([new Uint8Array(PLAN.totalBytes)]) }),
        };
      });
    },
    cancel: async (taskId: string) => {
      engine.calls.push(`cancel ${taskId}`);
      const err = new Error(`Task ${taskId} was cancelled`);
      err.name = CANCELLED_ERROR_NAME;
      engine.pending?.reject(err);
      engine.pending = null;
      return true;
    },
  }),
  newTaskId: (kind: string) => `${kind}-1`,
  subscribeEngine: async (listener: (e: EngineEvent) => void) => {
    engine.emit = listener;
    return () => undefined;
  },
}));

const { useEngineStore } = await import('../../src/state/engine-store');
const { statusOf, useFileExportStore } = await import('../../src/state/file-export-store');

const status = () => statusOf(useFileExportStore.getState(), 'checkpoint');
const until = async (ready: () => boolean): Promise<void> => {
  for (let i = 0; i < 1000 && !ready(); i++) await new Promise((r) => setTimeout(r, 1));
};

beforeEach(() => {
  engine.calls.length = 0;
  engine.pending = null;
  useEngineStore.setState({ status: 'ready' });
  useFileExportStore.setState({ byKind: {} });
});

describe('the checkpoint export in the Export panel', () => {
  it('shows what the file holds and its size before anything is written', async () => {
    await useFileExportStore.getState().loadPlan('checkpoint');
    expect(status().plan).toEqual(PLAN);
    expect(engine.calls).toEqual(['plan checkpoint']);
  });

  it('shows progress, and a cancel hands nothing to download and says nothing was written', async () => {
    const written = useFileExportStore.getState().write('checkpoint');
    await until(() => engine.pending !== null && status().progress !== null);
    expect(status()).toMatchObject({
      taskId: 'export-checkpoint-1',
      progress: { done: 1500, total: 3000, message: 'Writing the checkpoint' },
      plan: PLAN,
    });
    await useFileExportStore.getState().cancel('checkpoint');
    expect(await written).toBeNull();
    expect(status()).toMatchObject({
      error: 'Export cancelled: nothing was written.',
      done: null,
      taskId: null,
      progress: null,
    });
    expect(engine.calls).toEqual(['plan checkpoint', 'write checkpoint', 'cancel export-checkpoint-1']);

    // Written again in full: the file to download, and what was saved.
    const again = useFileExportStore.getState().write('checkpoint');
    await until(() => engine.pending !== null);
    engine.pending!.resolve();
    const file = await again;
    expect(file?.fileName).toBe(PLAN.fileName);
    expect(status()).toMatchObject({
      error: null,
      done: { fileName: PLAN.fileName, bytes: PLAN.totalBytes },
    });
  });
});
