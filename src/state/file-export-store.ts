import { create } from 'zustand';
import type { ExportChoices, ExportKind, ExportPlan } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';

/** One export's state: its plan (shown before writing), the write in flight, the outcome. */
export interface FileExportStatus {
  plan: ExportPlan | null;
  planError: string | null;
  taskId: string | null;
  /** Milliseconds since epoch when the write started (for the time estimate). */
  startedAt: number | null;
  progress: TaskProgress | null;
  error: string | null;
  done: { fileName: string; bytes: number } | null;
}

const IDLE: FileExportStatus = {
  plan: null,
  planError: null,
  taskId: null,
  startedAt: null,
  progress: null,
  error: null,
  done: null,
};

interface FileExportState {
  byKind: Partial<Record<ExportKind, FileExportStatus>>;
  loadPlan(kind: ExportKind, choices?: ExportChoices): Promise<void>;
  /** Writes the export; resolves to the file (the caller downloads it), or null when it failed or was cancelled. */
  write(kind: ExportKind, choices?: ExportChoices): Promise<{ fileName: string; blob: Blob } | null>;
  cancel(kind: ExportKind): Promise<void>;
}

export const statusOf = (s: FileExportState, kind: ExportKind): FileExportStatus => s.byKind[kind] ?? IDLE;

export const useFileExportStore = create<FileExportState>()((set, get) => {
  const patch = (kind: ExportKind, p: Partial<FileExportStatus>) =>
    set((s) => ({ byKind: { ...s.byKind, [kind]: { ...statusOf(s, kind), ...p } } }));
  return {
    byKind: {},

    async loadPlan(kind, choices = {}) {
      try {
        await engineReady();
        patch(kind, { plan: await getEngine().exportPlan(kind, choices), planError: null });
      } catch (err) {
        patch(kind, { plan: null, planError: errorText(err) });
      }
    },

    async write(kind, choices = {}) {
      if (statusOf(get(), kind).taskId) return null;
      const taskId = newTaskId(`export-${kind}`);
      patch(kind, { taskId, startedAt: Date.now(), progress: null, error: null, done: null });
      const unsubscribe = onEngineEvent((e) => {
        if (e.type === 'progress' && e.task === taskId)
          patch(kind, { progress: { done: e.done, total: e.total, message: e.message ?? '' } });
      });
      try {
        await engineReady();
        // The plan again: the model may have trained on since it was shown.
        patch(kind, { plan: await getEngine().exportPlan(kind, choices), planError: null });
        const file = await getEngine().exportFile(kind, { ...choices, taskId });
        patch(kind, { done: { fileName: file.fileName, bytes: file.blob.size } });
        return file;
      } catch (err) {
        patch(kind, { error: isCancelled(err) ? 'Export cancelled: nothing was written.' : errorText(err) });
        return null;
      } finally {
        unsubscribe();
        patch(kind, { taskId: null, startedAt: null, progress: null });
      }
    },

    async cancel(kind) {
      const { taskId } = statusOf(get(), kind);
      if (taskId) await getEngine().cancel(taskId);
    },
  };
});
