import { resizeMask } from '../data/resize';
import type { RgbImage } from '../data/image';
import {
  evaluate as computeMetrics,
  evaluateByType,
  type EvaluateResult,
  type TypeMetrics,
} from '../metrics';
import { toRgb, type DatasetImages } from './dataset';

export type Progress = (done: number, total: number, message: string) => void;

export interface Evaluation {
  /** Blurred anomaly maps, [N*S*S] row-major, S = config.imageSize. */
  maps: Float32Array;
  size: number;
  scores: Float32Array;
  labels: Uint8Array;
  /** Normal-bank slot each test image selected (DM-GRD), else -1. */
  selected: Int32Array;
  metrics: EvaluateResult;
  /** The metrics of each defect type against the normal images. */
  perType: Record<string, TypeMetrics>;
  msPerImage: number;
}

/** Anomaly maps [n*S*S], image scores [n] and (DM-GRD) selected slots [n] of a few images. */
export type ScoreImages = (
  images: RgbImage[],
) => Promise<{ maps: Float32Array; scores: Float32Array; selected: Int32Array | null }>;

export interface EvaluateOptions {
  onProgress?: Progress;
  signal?: AbortSignal;
  /** Test images scored per call (default 4). */
  chunk?: number;
}

/**
 * Scores every test image of `data` in chunks and computes all metrics against the masks resized
 * to the model's `size`: one evaluation for every model, whatever its scoring.
 */
export async function evaluateTestSet(
  data: DatasetImages,
  size: number,
  score: ScoreImages,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  const test = data.test;
  if (test.length === 0) throw new Error('No test images to evaluate.');
  const s = size;
  const chunk = opts.chunk ?? 4;
  const maps = new Float32Array(test.length * s * s);
  const scores = new Float32Array(test.length);
  const selected = new Int32Array(test.length).fill(-1);
  const t0 = performance.now();
  for (let start = 0; start < test.length; start += chunk) {
    opts.signal?.throwIfAborted();
    const end = Math.min(test.length, start + chunk);
    const r = await score(test.slice(start, end).map((t) => toRgb(t, data.size)));
    maps.set(r.maps, start * s * s);
    scores.set(r.scores, start);
    if (r.selected) selected.set(r.selected, start);
    opts.onProgress?.(end, test.length, 'Scoring test images');
  }
  const msPerImage = (performance.now() - t0) / test.length;
  const masks = new Uint8Array(test.length * s * s);
  test.forEach((t, i) => {
    if (t.mask)
      masks.set(
        t.mask.length === s * s
          ? t.mask
          : resizeMask(t.mask, data.size, data.size, s, s, { method: 'nearest' }),
        i * s * s,
      );
  });
  const labels = Uint8Array.from(test, (t) => t.label);
  const input = { maps, masks, shape: [test.length, s, s] as const, imageScores: scores, labels };
  const metrics = computeMetrics(input);
  const perType = evaluateByType({ ...input, types: test.map((t) => t.defectType) });
  return { maps, size: s, scores, labels, selected, metrics, perType, msPerImage };
}
