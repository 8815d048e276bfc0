import { create } from 'zustand';
import type { MemoryExploration } from '../../workers/engine-api';
import { getEngine } from '../client/engine';
import type { LevelChoice } from '../ui/memory/rank';
import { useDatasetStore } from './dataset-store';
import { engineReady, errorText } from './engine-ready';

interface MemoryState {
  testIndex: number;
  exploration: MemoryExploration | null;
  loading: boolean;
  error: string | null;
  /** Query location as fractions of the image side ([0,1) each), or null for image-level ranking. */
  point: { x: number; y: number } | null;
  level: LevelChoice;
  setTestIndex(i: number): void;
  explore(i?: number): Promise<void>;
  setPoint(p: { x: number; y: number } | null): void;
  setLevel(l: LevelChoice): void;
}

export const useMemoryStore = create<MemoryState>()((set, get) => {
  useDatasetStore.subscribe((s, prev) => {
    if (s.generation !== prev.generation) set({ exploration: null, point: null, testIndex: 0, error: null });
  });
  let request = 0;

  return {
    testIndex: 0,
    exploration: null,
    loading: false,
    error: null,
    point: null,
    level: 'mean',

    setTestIndex: (testIndex) => set({ testIndex }),

    async explore(i) {
      const testIndex = i ?? get().testIndex;
      const mine = ++request;
      set({ testIndex, loading: true, error: null, point: null });
      try {
        await engineReady();
        const exploration = await getEngine().explore(testIndex);
        // A later pick wins over an earlier one that answered late.
        if (mine === request) set({ exploration });
      } catch (err) {
        if (mine === request) set({ error: errorText(err), exploration: null });
      } finally {
        if (mine === request) set({ loading: false });
      }
    },

    setPoint: (point) => set({ point }),
    setLevel: (level) => set({ level }),
  };
});
