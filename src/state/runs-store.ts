import { create } from 'zustand';
import type { RunRecord } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { engineReady, errorText, type TaskProgress } from './engine-ready';
import { useTrainStore } from './train-store';

interface RunsState {
  runs: RunRecord[];
  loaded: boolean;
  error: string | null;
  /** Ids picked for comparison (at most two, oldest pick dropped first). */
  compare: string[];
  /** Run found unfinished when the page opened (offered in the resume banner). */
  interrupted: RunRecord | null;
  bannerDismissed: boolean;
  resuming: string | null;
  resumeTask: string | null;
  resumeProgress: TaskProgress | null;
  resumeError: string | null;
  refresh(): Promise<void>;
  /** Called once at start-up: looks for a run the last page left mid-training. */
  checkInterrupted(): Promise<void>;
  remove(id: string): Promise<void>;
  toggleCompare(id: string): void;
  /** Re-creates the run's session from its checkpoint and continues training it. */
  resume(id: string): Promise<void>;
  dismissBanner(): void;
}

const resumable = (r: RunRecord): boolean =>
  r.hasCheckpoint && (r.status === 'training' || r.status === 'interrupted');

export const useRunsStore = create<RunsState>()((set, get) => {
  onEngineEvent((e) => {
    if (e.type === 'progress' && e.task === get().resumeTask)
      set({ resumeProgress: { done: e.done, total: e.total, message: e.message ?? '' } });
  });

  return {
    runs: [],
    loaded: false,
    error: null,
    compare: [],
    interrupted: null,
    bannerDismissed: false,
    resuming: null,
    resumeTask: null,
    resumeProgress: null,
    resumeError: null,

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
      set({ interrupted: get().runs.find(resumable) ?? null });
    },

    async remove(id) {
      try {
        await getEngine().deleteRun(id);
      } catch (err) {
        set({ error: errorText(err) });
      }
      if (get().interrupted?.id === id) set({ interrupted: null });
      await get().refresh();
    },

    toggleCompare(id) {
      const { compare } = get();
      if (compare.includes(id)) set({ compare: compare.filter((c) => c !== id) });
      else set({ compare: [...compare, id].slice(-2) });
    },

    async resume(id) {
      if (get().resuming) return;
      const record = get().runs.find((r) => r.id === id) ?? get().interrupted;
      const taskId = newTaskId('resume');
      set({ resuming: id, resumeTask: taskId, resumeProgress: null, resumeError: null });
      try {
        await engineReady();
        const info = await getEngine().resumeRun(id, { taskId });
        const history = (record?.id === id ? record.history : []).filter((r) => r.step <= info.step);
        useTrainStore.getState().adopt(info, history);
        if (get().interrupted?.id === id) set({ interrupted: null });
      } catch (err) {
        set({ resumeError: errorText(err) });
        return;
      } finally {
        set({ resuming: null, resumeTask: null, resumeProgress: null });
      }
      await useTrainStore.getState().resume();
      await get().refresh();
    },

    dismissBanner() {
      set({ bannerDismissed: true });
    },
  };
});
