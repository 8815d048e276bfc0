import { create } from 'zustand';
import type { DatasetSummary, InputFile, Problem } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import type { DatasetFingerprint } from '../core/data/fingerprint';
import type { DirectoryHandle } from '../ui/dataset/read-folder';
import { pageStorage } from './config-draft';
import { keepFolderHandle, lastDataset, rememberLastDataset } from './dataset-memory';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';

export interface TextureState {
  count: number;
  problems: Problem[];
  /** Folder name the textures came from. */
  source: string;
}

interface DatasetState {
  summary: DatasetSummary | null;
  /** Bumped on every successful load, so thumbnail caches can tell datasets apart. */
  generation: number;
  /** The files of the last load, kept to re-index another category of the same drop. */
  files: InputFile[];
  /** Their directory, when picked with the directory picker. */
  handle: DirectoryHandle | null;
  loading: boolean;
  taskId: string | null;
  progress: TaskProgress | null;
  error: string | null;
  cancelled: boolean;
  textures: TextureState | null;
  texturesLoading: boolean;
  texturesError: string | null;
  /** The folder loaded before the page was reloaded, until it is loaded again or dismissed. */
  restorable: DatasetFingerprint | null;
  dismissRestore(): void;
  /** Side the worker stores images at (the model input is resized from it). */
  storedSize: number;
  setStoredSize(size: number): void;
  /**
   * Loads a folder (`category` of a multi-category drop); `expect`: only if it holds the images of
   * that fingerprint (loaded at its stored size). Resolves to the error shown, or null once loaded;
   * a refused folder leaves the loaded dataset as it was.
   */
  load(files: InputFile[], opts?: LoadOptions): Promise<string | null>;
  cancel(): Promise<void>;
  loadTextures(files: InputFile[]): Promise<void>;
}

export interface LoadOptions {
  category?: string;
  expect?: DatasetFingerprint;
  /** The picked directory, kept so the folder can be reopened after a reload. */
  handle?: DirectoryHandle;
}

export const STORED_SIZES = [64, 128, 256, 384, 512] as const;
export const DEFAULT_STORED_SIZE = 256;

/** The last page's folder (the demo set regenerates by itself: see DemoBar). */
function restorableAtStart(): DatasetFingerprint | null {
  const last = lastDataset(pageStorage());
  return last?.source === 'folder' ? last : null;
}

export const useDatasetStore = create<DatasetState>()((set, get) => {
  const restorable = restorableAtStart();
  onEngineEvent((e) => {
    if (e.type !== 'progress') return;
    if (e.task === get().taskId)
      set({ progress: { done: e.done, total: e.total, message: e.message ?? '' } });
  });

  return {
    summary: null,
    generation: 0,
    files: [],
    handle: null,
    loading: false,
    taskId: null,
    progress: null,
    error: null,
    cancelled: false,
    textures: null,
    texturesLoading: false,
    texturesError: null,

    restorable,
    dismissRestore() {
      set({ restorable: null });
    },

    // Picked again, the last page's folder loads at the size it had.
    storedSize: restorable?.storedSize ?? DEFAULT_STORED_SIZE,
    setStoredSize(size) {
      set({ storedSize: size });
    },

    async load(files, opts = {}) {
      if (get().loading) return 'Another folder is loading.';
      const taskId = newTaskId('dataset');
      // A run's dataset is loaded at the size it was trained on, so its scores come back the same.
      if (opts.expect) set({ storedSize: opts.expect.storedSize });
      set({ loading: true, taskId, progress: null, error: null, cancelled: false });
      try {
        await engineReady();
        const summary = await getEngine().loadDataset(files, {
          taskId,
          category: opts.category,
          size: get().storedSize,
          expect: opts.expect,
        });
        // Kept only once loaded: a refused folder must not become the source of the category picker.
        set((s) => ({ summary, files, handle: opts.handle ?? null, generation: s.generation + 1 }));
        if (opts.handle) await keepFolderHandle(summary.fingerprint.hash, opts.handle);
        return null;
      } catch (err) {
        const error = isCancelled(err) ? 'Loading was cancelled.' : errorText(err);
        if (isCancelled(err)) set({ cancelled: true });
        else set({ error });
        return error;
      } finally {
        set({ loading: false, taskId: null, progress: null });
      }
    },

    async cancel() {
      const { taskId } = get();
      if (taskId) await getEngine().cancel(taskId);
    },

    async loadTextures(files) {
      if (get().texturesLoading) return;
      const taskId = newTaskId('textures');
      set({ texturesLoading: true, texturesError: null });
      try {
        await engineReady();
        const { count, problems } = await getEngine().loadTextures(files, { taskId });
        const source = files[0]?.path.split('/')[0] ?? '';
        set({ textures: { count, problems, source } });
      } catch (err) {
        set({ texturesError: errorText(err) });
      } finally {
        set({ texturesLoading: false });
      }
    },
  };
});

// The dataset in use (a folder, or the demo set published by the demo store) is named after a reload.
useDatasetStore.subscribe((s, prev) => {
  if (!s.summary || s.summary === prev.summary) return;
  // The demo set loaded while the last page's folder is still to be picked again leaves that
  // folder remembered, so another reload still names it.
  if (s.summary.fingerprint.source === 'demo' && s.restorable) return;
  rememberLastDataset(pageStorage(), s.summary.fingerprint);
  if (s.restorable?.hash === s.summary.fingerprint.hash) useDatasetStore.setState({ restorable: null });
});
