/**
 * ROC AUC and ROC curve with scikit-learn's semantics (`roc_auc_score`, `roc_curve`, version 1.2):
 * one threshold per distinct score, trapezoids between the (fpr, tpr) points, so tied scores form one
 * diagonal step.
 */
import { isPositive, sortDescending, type SortedPairs } from './sort';

/** A ROC curve; all arrays have the same length and start at (0, 0). */
export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /**
   * Score at which each point's predictions start (`score >= threshold` is positive). As in sklearn 1.2,
   * the first (0, 0) point gets `max score + 1`.
   */
  thresholds: Float64Array;
}

export interface RocCurveOptions {
  /** sklearn's `drop_intermediate`: drop points collinear with their neighbours (default true). */
  dropIntermediate?: boolean;
  /**
   * Plotting budget: keep a point only once fpr or tpr moved by at least 1/maxPoints since the last kept
   * point (first and last always kept), giving at most about 2*maxPoints points. Replaces
   * `dropIntermediate` when set. Default: no limit.
   */
  maxPoints?: number;
}

/** Copies labels (`>= 1` = positive, see {@link isPositive}) into the bit-0 payload. */
export function labelPayload(labels: ArrayLike<number>): Uint32Array {
  const p = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) p[i] = isPositive(labels[i]) ? 1 : 0;
  return p;
}

/**
 * `roc_auc_score(labels, scores)`. Labels count as positive when `>= 1` (numpy `astype(int)` of values in
 * [0, 1], so a 0.5 mask pixel is negative). Returns NaN when only one class is present (sklearn raises).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores);
  return rocAucSorted(sortDescending(scores, labelPayload(labels)));
}

/** ROC AUC of pairs already sorted by {@link sortDescending}; positives are payload bit 0. */
export function rocAucSorted(sorted: SortedPairs): number {
  const { values, payload } = sorted;
  const n = values.length;
  // Twice the area in units of one (negative, positive) pair. Counts and products stay below 2^53 for
  // any n < 1.3e8, so the sum is exact and the only rounding is the final division.
  let area2 = 0;
  let tp = 0;
  let fp = 0;
  let tpPrev = 0;
  let fpPrev = 0;
  for (let i = 0; i < n; i++) {
    if (payload[i] & 1) tp++;
    else fp++;
    if (i === n - 1 || values[i] !== values[i + 1]) {
      area2 += (fp - fpPrev) * (tp + tpPrev);
      tpPrev = tp;
      fpPrev = fp;
    }
  }
  if (tp === 0 || fp === 0) return NaN;
  return area2 / (2 * tp * fp);
}

/** `roc_curve(labels, scores)` (sklearn 1.2), optionally thinned for plotting. Labels as in {@link rocAuc}. */
export function rocCurve(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: RocCurveOptions = {},
): RocCurve {
  checkLengths(labels, scores);
  return rocCurveSorted(sortDescending(scores, labelPayload(labels)), options);
}

/** {@link rocCurve} of pairs already sorted by {@link sortDescending}. */
export function rocCurveSorted(sorted: SortedPairs, options: RocCurveOptions = {}): RocCurve {
  const { values, payload } = sorted;
  const n = values.length;
  let totalPos = 0;
  let groups = 0;
  for (let i = 0; i < n; i++) {
    totalPos += payload[i] & 1;
    if (i === n - 1 || values[i] !== values[i + 1]) groups++;
  }
  const totalNeg = n - totalPos;
  const firstThreshold = n > 0 ? values[0] + 1 : 1;
  if (options.maxPoints) return thinnedRoc(sorted, totalPos, firstThreshold, options.maxPoints);

  // Distinct-threshold points, prefixed by (0, 0) as sklearn does; counts until the final division,
  // because the collinearity test is exact on counts.
  const m = groups + 1;
  const fps = new Float64Array(m);
  const tps = new Float64Array(m);
  const thr = new Float64Array(m);
  thr[0] = firstThreshold;
  let tp = 0;
  let fp = 0;
  for (let i = 0, j = 1; i < n; i++) {
    if (payload[i] & 1) tp++;
    else fp++;
    if (i === n - 1 || values[i] !== values[i + 1]) {
      fps[j] = fp;
      tps[j] = tp;
      thr[j++] = values[i];
    }
  }
  if (!(options.dropIntermediate ?? true) || m <= 2) {
    for (let j = 0; j < m; j++) {
      fps[j] /= totalNeg;
      tps[j] /= totalPos;
    }
    return { fpr: fps, tpr: tps, thresholds: thr };
  }
  // sklearn keeps a point unless both second differences of the counts vanish (collinear neighbours).
  const keep: number[] = [0];
  for (let i = 1; i < m - 1; i++) {
    if (fps[i - 1] - 2 * fps[i] + fps[i + 1] !== 0 || tps[i - 1] - 2 * tps[i] + tps[i + 1] !== 0)
      keep.push(i);
  }
  keep.push(m - 1);
  return {
    fpr: Float64Array.from(keep, (i) => fps[i] / totalNeg),
    tpr: Float64Array.from(keep, (i) => tps[i] / totalPos),
    thresholds: Float64Array.from(keep, (i) => thr[i]),
  };
}

/** The ROC points {@link thin} would keep, found in one streaming pass without the full curve. */
function thinnedRoc(
  sorted: SortedPairs,
  totalPos: number,
  firstThreshold: number,
  maxPoints: number,
): RocCurve {
  const { values, payload } = sorted;
  const n = values.length;
  const totalNeg = n - totalPos;
  const stepFp = totalNeg / maxPoints;
  const stepTp = totalPos / maxPoints;
  const fpr = [0];
  const tpr = [0];
  const thr = [firstThreshold];
  let tp = 0;
  let fp = 0;
  let lastFp = 0;
  let lastTp = 0;
  for (let i = 0; i < n; i++) {
    if (payload[i] & 1) tp++;
    else fp++;
    if (i === n - 1 || (values[i] !== values[i + 1] && (fp - lastFp >= stepFp || tp - lastTp >= stepTp))) {
      fpr.push(fp / totalNeg);
      tpr.push(tp / totalPos);
      thr.push(values[i]);
      lastFp = fp;
      lastTp = tp;
    }
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thr) };
}

/**
 * Indices of a monotone curve to keep so that consecutive kept points differ by at least `stepX` in x or
 * `stepY` in y (first and last always kept).
 */
export function thin(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  stepX: number,
  stepY: number = stepX,
): Uint32Array {
  const n = x.length;
  if (n <= 2) return Uint32Array.from({ length: n }, (_, i) => i);
  const out = [0];
  let lx = x[0];
  let ly = y[0];
  for (let i = 1; i < n - 1; i++) {
    if (Math.abs(x[i] - lx) >= stepX || Math.abs(y[i] - ly) >= stepY) {
      out.push(i);
      lx = x[i];
      ly = y[i];
    }
  }
  out.push(n - 1);
  return Uint32Array.from(out);
}

export function checkLengths(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new Error(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  }
}
