import { create } from 'zustand';
import { datasetProblem, type DatasetFingerprint } from '../core/data/fingerprint';
import type { InputFile, RunRecord } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { readDirectoryHandle, type DirectoryHandle } from '../ui/dataset/read-folder';
import { folderHandle, folderReadable } from './dataset-memory';
import { useDatasetStore } from './dataset-store';
import { useDemoStore } from './demo-store';
import { engineReady, errorText, type TaskProgress } from './engine-ready';
import { useEstimateStore } from './estimate-store';
import { useMemoryStore } from './memory-store';
import { useResultsStore } from './results-store';
import { useTrainStore } from './train-store';

/** What to do once a run is open. */
export type AfterOpen = { then: 'open' } | { then: 'resume' } | { then: 'further'; steps: number };

/** A run waiting for its dataset folder to be picked again. */
export interface DatasetRequest {
  runId: string;
  after: AfterOpen;
  fingerprint: DatasetFingerprint;
  /** Why the loaded dataset does not do. */
  reason: string;
  /** The folder's kept handle (File System Access API), reopened with one click; null if none. */
  handle: DirectoryHandle | null;
  /** Why the last folder given was refused. */
  error: string | null;
}

interface RunsState {
  runs: RunRecord[];
  loaded: boolean;
  error: string | null;
  /** Ids picked for comparison (at most two, oldest pick dropped first). */
  compare: string[];
  /** Run found unfinished when the page opened (offered in the resume banner). */
  interrupted: RunRecord | null;
  /** The newest run, when the last page closed while it trained before its first checkpoint. */
  lost: RunRecord | null;
  bannerDismissed: boolean;
  /** The run being opened (its dataset checked, its model restored), or null. */
  opening: string | null;
  openTask: string | null;
  openProgress: TaskProgress | null;
  openError: string | null;
  needsDataset: DatasetRequest | null;
  refresh(): Promise<void>;
  /** Called once at start-up: looks for a run the last page left mid-training. */
  checkInterrupted(): Promise<void>;
  remove(id: string): Promise<void>;
  toggleCompare(id: string): void;
  /**
   * Opens a run: its dataset (the loaded one if it is the same; the demo regenerated; a folder
   * reopened from its kept handle, else asked for), its model from the checkpoint, its config in
   * the form; then `after`. Resolves to whether the run is open.
   */
  open(id: string, after?: AfterOpen): Promise<boolean>;
  /** Opens the run and continues training it to its target step. */
  resume(id: string): Promise<boolean>;
  /** Opens a finished run and trains it on to `steps` in all. */
  trainFurther(id: string, steps: number): Promise<boolean>;
  /** The folder asked for by `needsDataset`: loaded only if it holds the run's images. */
  provideDataset(files: InputFile[], handle?: DirectoryHandle): Promise<void>;
  /** Reads the kept folder handle of `needsDataset` (asks for permission: call from a click). */
  reopenKeptFolder(): Promise<void>;
  dismissDatasetRequest(): void;
  dismissBanner(): void;
}

/**
 * What the last page left mid-training (runs newest first; `current`: the run this page holds,
 * never a leftover): the run to offer to resume, or else the newest run, when it closed before
 * its first checkpoint, to say that nothing of it can be resumed.
 */
export function leftMidTraining(
  runs: RunRecord[],
  current: string | null,
): { interrupted: RunRecord | null; lost: RunRecord | null } {
  const left = runs.filter((r) => r.status === 'training' && r.id !== current);
  const interrupted = left.find((r) => r.hasCheckpoint) ?? null;
  const newest = runs.find((r) => r.id !== current);
  const lost = !interrupted && newest && left.includes(newest) ? newest : null;
  return { interrupted, lost };
}

/** Loads the folder of `handle` for `fp`; the error shown, or null once loaded. */
async function loadFromHandle(handle: DirectoryHandle, fp: DatasetFingerprint): Promise<string | null> {
  const files = await readDirectoryHandle(handle);
  return useDatasetStore.getState().load(files, { expect: fp, handle });
}

export const useRunsStore = create<RunsState>()((set, get) => {
  onEngineEvent((e) => {
    if (e.type === 'progress' && e.task === get().openTask)
      set({ openProgress: { done: e.done, total: e.total, message: e.message ?? '' } });
  });

  /**
   * Makes the dataset `record` trained on the loaded one, when that needs no folder from the user.
   * Null once it is loaded; else why not (a folder to ask for).
   */
  async function ensureDataset(record: RunRecord): Promise<string | null> {
    const expected = record.datasetFingerprint;
    const loaded = () => useDatasetStore.getState().summary?.fingerprint;
    const problem = datasetProblem(expected, loaded());
    if (!problem || !expected) return problem;
    if (expected.source === 'demo' && expected.demo) {
      await useDemoStore.getState().loadDataset({ ...expected.demo, force: true });
      return datasetProblem(expected, loaded());
    }
    const ds = useDatasetStore.getState();
    // The same folder at another stored size: its files are still at hand.
    if (ds.files.length > 0 && loaded()?.hash === expected.hash) {
      const error = await ds.load(ds.files, { expect: expected, handle: ds.handle ?? undefined });
      return error ?? datasetProblem(expected, loaded());
    }
    // A kept handle whose permission the user granted for every visit needs no click.
    const handle = await folderHandle(expected.hash);
    if (handle && (await folderReadable(handle, false))) {
      const error = await loadFromHandle(handle, expected).catch((e: unknown) => errorText(e));
      if (!error) return datasetProblem(expected, loaded());
    }
    return problem;
  }

  /** Restores the run's model in the worker and hands it to the Train panel; then `after`. */
  async function restoreRun(record: RunRecord, after: AfterOpen): Promise<boolean> {
    const taskId = newTaskId('open');
    set({ opening: record.id, openTask: taskId, openProgress: null, openError: null });
    try {
      // Restoring may replace the teacher a timing probe is stepping with.
      await useEstimateStore.getState().cancel({ quiet: true });
      const info = await getEngine().openRun(record.id, { taskId });
      const history = record.history.filter((r) => r.step <= info.step);
      useTrainStore.getState().adopt(info, history, { record });
      // Results and explorations of the model open before are not this one's.
      useResultsStore.getState().setSummary(null);
      useMemoryStore.setState({ exploration: null, point: null, error: null });
      void useDemoStore.getState().refreshModel();
      if (get().interrupted?.id === record.id) set({ interrupted: null });
    } catch (err) {
      set({ openError: errorText(err) });
      return false;
    } finally {
      set({ opening: null, openTask: null, openProgress: null });
    }
    if (after.then === 'resume') await useTrainStore.getState().resume();
    if (after.then === 'further') await useTrainStore.getState().trainFurther(after.steps);
    await get().refresh();
    return true;
  }

  return {
    runs: [],
    loaded: false,
    error: null,
    compare: [],
    interrupted: null,
    lost: null,
    bannerDismissed: false,
    opening: null,
    openTask: null,
    openProgress: null,
    openError: null,
    needsDataset: null,

    async refresh() {
      try {
        await engineReady();
        const runs = (await getEngine().listRuns()).sort((a, b) => b.updatedAt - a.updatedAt);
        set((s) => ({
          runs,
          loaded: true,
          error: null,
          compare: s.compare.filter((id) => runs.some((r) => r.id === id)),
        }));
      } catch (err) {
        set({ error: errorText(err), loaded: true });
      }
    },

    async checkInterrupted() {
      await get().refresh();
      set(leftMidTraining(get().runs, useTrainStore.getState().session?.runId ?? null));
    },

    async remove(id) {
      try {
        await getEngine().deleteRun(id);
      } catch (err) {
        set({ error: errorText(err) });
      }
      if (get().interrupted?.id === id) set({ interrupted: null });
      if (get().lost?.id === id) set({ lost: null });
      if (get().needsDataset?.runId === id) set({ needsDataset: null });
      await get().refresh();
    },

    toggleCompare(id) {
      const { compare } = get();
      if (compare.includes(id)) set({ compare: compare.filter((c) => c !== id) });
      else set({ compare: [...compare, id].slice(-2) });
    },

    async open(id, after = { then: 'open' }) {
      if (get().opening) return false;
      await engineReady();
      const record =
        get().runs.find((r) => r.id === id) ?? (get().interrupted?.id === id ? get().interrupted : null);
      if (!record) {
        set({ openError: 'That run no longer exists.' });
        return false;
      }
      set({ openError: null, needsDataset: null, opening: id });
      let problem: string | null;
      try {
        problem = await ensureDataset(record);
      } catch (err) {
        set({ openError: errorText(err), opening: null });
        return false;
      }
      set({ opening: null });
      if (problem && record.datasetFingerprint) {
        const fingerprint = record.datasetFingerprint;
        const handle = await folderHandle(fingerprint.hash);
        set({ needsDataset: { runId: id, after, fingerprint, reason: problem, handle, error: null } });
        return false;
      }
      return restoreRun(record, after);
    },

    resume(id) {
      return get().open(id, { then: 'resume' });
    },

    trainFurther(id, steps) {
      return get().open(id, { then: 'further', steps });
    },

    async provideDataset(files, handle) {
      const request = get().needsDataset;
      if (!request) return;
      const error = await useDatasetStore.getState().load(files, { expect: request.fingerprint, handle });
      if (error) {
        // The run and the loaded dataset stay as they were; the request stays open.
        set({ needsDataset: { ...request, error } });
        return;
      }
      set({ needsDataset: null });
      const record = get().runs.find((r) => r.id === request.runId);
      if (record) await restoreRun(record, request.after);
    },

    async reopenKeptFolder() {
      const request = get().needsDataset;
      if (!request?.handle) return;
      if (!(await folderReadable(request.handle, true))) {
        set({
          needsDataset: {
            ...request,
            error: `Reading ${request.handle.name} was not allowed: pick the folder instead.`,
          },
        });
        return;
      }
      try {
        await get().provideDataset(await readDirectoryHandle(request.handle), request.handle);
      } catch (err) {
        set({ needsDataset: { ...request, error: errorText(err) } });
      }
    },

    dismissDatasetRequest() {
      set({ needsDataset: null });
    },

    dismissBanner() {
      set({ bannerDismissed: true });
    },
  };
});
