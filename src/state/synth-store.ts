import { create } from 'zustand';
import type { SynthPreview } from '../../workers/engine-api';
import { getEngine } from '../client/engine';
import { errorText } from './engine-ready';

/** How many training images the gallery shows. */
export const SAMPLE_COUNT = 4;

export interface SynthSettings {
  seed: number;
  /** null = drawn at random from the configured range. */
  beta: number | null;
  lam: number | null;
}

interface SynthState extends SynthSettings {
  previews: SynthPreview[];
  /** Training-image index of each preview. */
  indices: number[];
  loading: boolean;
  error: string | null;
  set(settings: Partial<SynthSettings>): void;
  /** Regenerates the gallery for these training images. */
  refresh(indices: number[]): Promise<void>;
}

let request = 0;

export const useSynthStore = create<SynthState>()((set, get) => ({
  seed: 7,
  beta: null,
  lam: null,
  previews: [],
  indices: [],
  loading: false,
  error: null,

  set(settings) {
    set(settings);
  },

  async refresh(indices) {
    const mine = ++request;
    const { seed, beta, lam } = get();
    set({ loading: true, error: null });
    try {
      const engine = getEngine();
      const previews: SynthPreview[] = [];
      // One at a time: the worker is single-threaded and a failed sample should not hide the others.
      for (const [k, index] of indices.entries()) {
        previews.push(
          await engine.synthPreview({
            index,
            seed: seed + k,
            beta: beta ?? undefined,
            lam: lam ?? undefined,
          }),
        );
      }
      // A later request superseded this one (the user moved a slider meanwhile).
      if (mine === request) set({ previews, indices });
    } catch (err) {
      if (mine === request) set({ error: errorText(err) });
    } finally {
      if (mine === request) set({ loading: false });
    }
  },
}));
