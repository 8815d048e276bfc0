import { create } from 'zustand';
import type { EvaluationSummary, HeatmapData, MapThumbnail } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import type { ColormapName } from '../ui/results/colormaps';
import { DEFAULT_VIEW } from '../ui/results/view';
import { useDatasetStore } from './dataset-store';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';

export interface OverlayView {
  opacity: number;
  colormap: ColormapName;
  showMask: boolean;
  showSeg: boolean;
}

interface ResultsState {
  summary: EvaluationSummary | null;
  /** Bumped whenever `summary` is replaced, so heat-map caches can tell evaluations apart. */
  stamp: number;
  evaluating: boolean;
  taskId: string | null;
  progress: TaskProgress | null;
  error: string | null;
  cancelled: boolean;
  /** Image-level decision threshold (starts at the F1-max threshold). */
  imageThreshold: number;
  /** Pixel-level segmentation threshold (starts at the pixel F1-max threshold). */
  pixelThreshold: number;
  /** Test index shown in the detail view, or null. */
  detail: number | null;
  /** The grid shows only test images of this type (`good` for the normal ones); null: all. */
  typeFilter: string | null;
  /** The grid's tiles are coloured with their anomaly maps (in the detail view's colours). */
  gridMaps: boolean;
  view: OverlayView;
  evaluate(): Promise<void>;
  cancel(): Promise<void>;
  setSummary(summary: EvaluationSummary | null): void;
  setImageThreshold(t: number): void;
  setPixelThreshold(t: number): void;
  openDetail(index: number | null): void;
  setView(patch: Partial<OverlayView>): void;
  setTypeFilter(type: string | null): void;
  setGridMaps(on: boolean): void;
}

export const useResultsStore = create<ResultsState>()((set, get) => {
  onEngineEvent((e) => {
    if (e.type === 'progress' && e.task === get().taskId)
      set({ progress: { done: e.done, total: e.total, message: e.message ?? '' } });
    // Evaluations started elsewhere (e.g. at the end of training) land here too.
    if (e.type === 'evaluation') get().setSummary(e.summary);
  });
  // Results of another dataset are meaningless: drop them when a new one is loaded.
  useDatasetStore.subscribe((s, prev) => {
    if (s.generation !== prev.generation) get().setSummary(null);
  });

  return {
    summary: null,
    stamp: 0,
    evaluating: false,
    taskId: null,
    progress: null,
    error: null,
    cancelled: false,
    imageThreshold: 0,
    pixelThreshold: 0,
    detail: null,
    typeFilter: null,
    gridMaps: false,
    view: { ...DEFAULT_VIEW },

    async evaluate() {
      if (get().evaluating) return;
      const taskId = newTaskId('evaluate');
      set({ evaluating: true, taskId, progress: null, error: null, cancelled: false });
      try {
        await engineReady();
        get().setSummary(await getEngine().evaluate({ taskId }));
      } catch (err) {
        if (isCancelled(err)) set({ cancelled: true });
        else set({ error: errorText(err) });
      } finally {
        set({ evaluating: false, taskId: null, progress: null });
      }
    },

    async cancel() {
      const { taskId } = get();
      if (taskId) await getEngine().cancel(taskId);
    },

    setSummary(summary) {
      const same = get().summary;
      // The worker's `evaluation` event and the call's own result carry the same summary.
      if (summary && same && summary.step === same.step && sameScores(summary.scores, same.scores)) return;
      clearHeatmaps();
      set((s) => ({
        summary,
        stamp: s.stamp + 1,
        detail: null,
        typeFilter: null,
        imageThreshold: summary?.metrics.f1Image.threshold ?? 0,
        pixelThreshold: summary?.metrics.f1Pixel.threshold ?? 0,
      }));
    },

    setImageThreshold: (imageThreshold) => set({ imageThreshold }),
    setPixelThreshold: (pixelThreshold) => set({ pixelThreshold }),
    openDetail: (detail) => set({ detail }),
    setView: (patch) => set((s) => ({ view: { ...s.view, ...patch } })),
    setTypeFilter: (typeFilter) => set({ typeFilter }),
    setGridMaps: (gridMaps) => set({ gridMaps }),
  };
});

function sameScores(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const HEATMAP_LIMIT = 24;
const heatmaps = new Map<number, Promise<HeatmapData>>();

const mapThumbnails = new Map<string, Promise<MapThumbnail>>();

function clearHeatmaps(): void {
  heatmaps.clear();
  mapThumbnails.clear();
}

/**
 * The `px` x `px` anomaly map of one test image of the current evaluation, for a grid tile; fetched
 * once per evaluation (a 96 px map is 36 KB: all of them fit).
 */
export function mapThumbnail(index: number, px: number): Promise<MapThumbnail> {
  const key = `${index}:${px}`;
  const hit = mapThumbnails.get(key);
  if (hit) return hit;
  const promise = getEngine().mapThumbnail(index, px);
  promise.catch(() => mapThumbnails.delete(key));
  mapThumbnails.set(key, promise);
  return promise;
}

/** The heat map of one test image of the current evaluation, fetched once (LRU of 24). */
export function heatmap(index: number): Promise<HeatmapData> {
  const hit = heatmaps.get(index);
  if (hit) {
    heatmaps.delete(index);
    heatmaps.set(index, hit);
    return hit;
  }
  const promise = getEngine().heatmap(index);
  promise.catch(() => heatmaps.delete(index));
  heatmaps.set(index, promise);
  if (heatmaps.size > HEATMAP_LIMIT) {
    const oldest = heatmaps.keys().next().value;
    if (oldest !== undefined) heatmaps.delete(oldest);
  }
  return promise;
}
