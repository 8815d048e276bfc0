// What an image-score threshold does to the test set: confusion counts and a score histogram.

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Recall of anomalous images; NaN without any. */
  tpr: number;
  /** Share of normal images flagged; NaN without any. */
  fpr: number;
  precision: number;
}

/** An image is predicted anomalous when its score >= threshold (as in the F1 / ROC sweep). */
export function confusionAt(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn, tpr: tp / (tp + fn), fpr: fp / (fp + tn), precision: tp / (tp + fp) };
}

/** Bins of the score histogram (Results tab and run report). */
export const HISTOGRAM_BINS = 30;

export interface Histogram {
  min: number;
  max: number;
  /** Bin width; bin b covers [min + b*width, min + (b+1)*width), the last bin includes max. */
  width: number;
  normal: number[];
  anomalous: number[];
}

export function scoreHistogram(
  scores: readonly number[],
  labels: readonly number[],
  bins: number,
): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  if (!Number.isFinite(min)) {
    min = 0;
    max = 1;
  }
  // A single distinct score still gets a visible bin.
  if (max === min) {
    min -= 0.5;
    max += 0.5;
  }
  const width = (max - min) / bins;
  const normal = new Array<number>(bins).fill(0);
  const anomalous = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.floor((scores[i] - min) / width));
    if (labels[i] === 1) anomalous[b]++;
    else normal[b]++;
  }
  return { min, max, width, normal, anomalous };
}

/** At most `limit` points of a curve (evenly strided, endpoints kept), for SVG charts. */
export function thinCurve(
  x: readonly number[],
  y: readonly number[],
  limit = 400,
): { x: number; y: number }[] {
  const n = Math.min(x.length, y.length);
  const stride = Math.max(1, Math.ceil(n / limit));
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i += stride) out.push({ x: x[i], y: y[i] });
  if (n > 0 && (n - 1) % stride !== 0) out.push({ x: x[n - 1], y: y[n - 1] });
  return out;
}
