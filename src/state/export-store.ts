import { create } from 'zustand';
import type { SessionInfo } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { checkModelFileSize } from '../core/io/model-file';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';
import { useMemoryStore } from './memory-store';
import { useResultsStore } from './results-store';

interface ExportState {
  info: SessionInfo | null;
  infoError: string | null;
  importing: boolean;
  importTask: string | null;
  importProgress: TaskProgress | null;
  importError: string | null;
  imported: { name: string; info: SessionInfo } | null;
  refreshInfo(): Promise<void>;
  importCheckpoint(file: File): Promise<void>;
  /** A `best_model.pt` of the authors' code plus the torchvision weights of its teacher. */
  importReference(checkpoint: File, teacher: File, imageSize: number): Promise<void>;
  cancelImport(): Promise<void>;
}

export const useExportStore = create<ExportState>()((set, get) => ({
  info: null,
  infoError: null,
  importing: false,
  importTask: null,
  importProgress: null,
  importError: null,
  imported: null,

  async refreshInfo() {
    try {
      await engineReady();
      set({ info: await getEngine().sessionInfo(), infoError: null });
    } catch (err) {
      set({ infoError: errorText(err) });
    }
  },

  async importCheckpoint(file) {
    await runImport(file.name, async (taskId) => {
      // Refused before the bytes are read: a multi-GB file would otherwise fill this tab's memory.
      checkModelFileSize(file.name, file.size);
      return getEngine().importCheckpoint(new Uint8Array(await file.arrayBuffer()), { taskId });
    });
  },

  async importReference(checkpoint, teacher, imageSize) {
    await runImport(checkpoint.name, (taskId) =>
      getEngine().importReference(
        {
          checkpoint: { path: checkpoint.name, file: checkpoint },
          teacher: { path: teacher.name, file: teacher },
        },
        { taskId, imageSize },
      ),
    );
  },

  async cancelImport() {
    const { importTask } = get();
    if (importTask) await getEngine().cancel(importTask);
  },
}));

/** One import at a time, with progress and cancel; the previous model's results are dropped on success. */
async function runImport(name: string, call: (taskId: string) => Promise<SessionInfo>): Promise<void> {
  const { getState: get, setState: set } = useExportStore;
  if (get().importing) return;
  const taskId = newTaskId('import');
  set({ importing: true, importTask: taskId, importProgress: null, importError: null, imported: null });
  const unsubscribe = onEngineEvent((e) => {
    if (e.type === 'progress' && e.task === taskId)
      set({ importProgress: { done: e.done, total: e.total, message: e.message ?? '' } });
  });
  try {
    await engineReady();
    const info = await call(taskId);
    // Results and explorations of the previous model no longer apply.
    useResultsStore.getState().setSummary(null);
    useMemoryStore.setState({ exploration: null, point: null, error: null });
    set({ imported: { name, info }, info });
  } catch (err) {
    set({ importError: isCancelled(err) ? 'Import cancelled.' : errorText(err) });
  } finally {
    unsubscribe();
    set({ importing: false, importTask: null, importProgress: null });
  }
}
