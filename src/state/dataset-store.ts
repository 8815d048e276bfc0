import { create } from 'zustand';
import type { DatasetSummary, InputFile, Problem } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
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
  loading: boolean;
  taskId: string | null;
  progress: TaskProgress | null;
  error: string | null;
  cancelled: boolean;
  textures: TextureState | null;
  texturesLoading: boolean;
  texturesError: string | null;
  /** Side the worker stores images at (the model input is resized from it). */
  storedSize: number;
  setStoredSize(size: number): void;
  load(files: InputFile[], category?: string): Promise<void>;
  cancel(): Promise<void>;
  loadTextures(files: InputFile[]): Promise<void>;
}

export const STORED_SIZES = [64, 128, 256, 384, 512] as const;
export const DEFAULT_STORED_SIZE = 256;

export const useDatasetStore = create<DatasetState>()((set, get) => {
  onEngineEvent((e) => {
    if (e.type !== 'progress') return;
    if (e.task === get().taskId)
      set({ progress: { done: e.done, total: e.total, message: e.message ?? '' } });
  });

  return {
    summary: null,
    generation: 0,
    files: [],
    loading: false,
    taskId: null,
    progress: null,
    error: null,
    cancelled: false,
    textures: null,
    texturesLoading: false,
    texturesError: null,

    storedSize: DEFAULT_STORED_SIZE,
    setStoredSize(size) {
      set({ storedSize: size });
    },

    async load(files, category) {
      if (get().loading) return;
      const taskId = newTaskId('dataset');
      set({ loading: true, taskId, progress: null, error: null, cancelled: false });
      try {
        await engineReady();
        const summary = await getEngine().loadDataset(files, {
          taskId,
          category,
          size: get().storedSize,
        });
        // Kept only once loaded: a refused folder must not become the source of the category picker.
        set((s) => ({ summary, files, generation: s.generation + 1 }));
      } catch (err) {
        if (isCancelled(err)) set({ cancelled: true });
        else set({ error: errorText(err) });
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
