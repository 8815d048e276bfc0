import { create } from 'zustand';
import type { LiveMapsEvent, LiveMapsItem, LiveMapsOptions } from '../../workers/engine-api';
import { onEngineEvent } from '../client/event-bus';

export interface LivePoint {
  step: number;
  imageAuroc: number | null;
  pixelAuroc: number | null;
}

interface LiveState {
  /** Re-score the live images while training (sent with the next train call). */
  enabled: boolean;
  /** Keep the weights of the best live step (sent with the next train call). */
  keepBest: boolean;
  runId: string | null;
  source: LiveMapsEvent['source'] | null;
  items: LiveMapsItem[];
  /** RGBA at `storedSize`, one per item. */
  images: Uint8ClampedArray<ArrayBuffer>[];
  masks: (Uint8Array | null)[];
  storedSize: number;
  /** The latest maps [items*size*size]. */
  maps: Float32Array | null;
  size: number;
  scores: number[];
  step: number;
  /** Re-scorings received for this run. */
  updates: number;
  curve: LivePoint[];
  overhead: number;
  keptStep: number | null;

  setEnabled(on: boolean): void;
  setKeepBest(on: boolean): void;
  /** The options of the next train call, or undefined when live maps are off. */
  trainOptions(): LiveMapsOptions | undefined;
}

export const useLiveStore = create<LiveState>()((set, get) => {
  onEngineEvent((e) => {
    if (e.type !== 'live-maps') return;
    const s = get();
    // A run's first event carries its images; a later train call of the same run sends them again.
    const fresh = e.runId !== s.runId;
    set({
      runId: e.runId,
      source: e.source,
      items: e.items,
      ...(e.images ? { images: e.images as Uint8ClampedArray<ArrayBuffer>[], masks: e.masks ?? [] } : {}),
      storedSize: e.storedSize,
      maps: e.maps,
      size: e.size,
      scores: e.scores,
      step: e.step,
      updates: fresh ? 1 : s.updates + 1,
      curve: [
        ...(fresh ? [] : s.curve.filter((p) => p.step < e.step)),
        { step: e.step, imageAuroc: e.imageAuroc, pixelAuroc: e.pixelAuroc },
      ],
      overhead: e.overhead,
      keptStep: e.keptStep,
    });
  });
  return {
    enabled: true,
    keepBest: false,
    runId: null,
    source: null,
    items: [],
    images: [],
    masks: [],
    storedSize: 0,
    maps: null,
    size: 0,
    scores: [],
    step: 0,
    updates: 0,
    curve: [],
    overhead: 0,
    keptStep: null,
    setEnabled: (on) => set({ enabled: on }),
    setKeepBest: (on) => set({ keepBest: on }),
    trainOptions() {
      const { enabled, keepBest } = get();
      return enabled ? { keepBest } : undefined;
    },
  };
});
