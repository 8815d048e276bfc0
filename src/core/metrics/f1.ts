/**
 * Best F1 over the thresholds of scikit-learn's `precision_recall_curve` (version 1.2: one point per
 * distinct score, no truncation at full recall, plus the final (precision 1, recall 0) point).
 */
import { labelPayload, checkLengths } from './auroc';
import { sortDescending, type SortedPairs } from './sort';

/** The curve point with the largest F1 = 2PR/(P+R) (0 where P+R = 0). */
export interface MaxF1 {
  f1: number;
  precision: number;
  recall: number;
  /** Predictions are `score >= threshold`. */
  threshold: number;
}

/**
 * Max F1 of `precision_recall_curve(labels, scores)`. Labels as in `rocAuc` (`>= 1` positive, so a 0.5
 * mask pixel is negative). Among equal F1 values the lowest threshold wins (`np.argmax` over sklearn's
 * increasing-threshold order). All fields are NaN when there is no positive label (sklearn then pins
 * recall to 1 and warns; F1 is meaningless there).
 */
export function maxF1(labels: ArrayLike<number>, scores: ArrayLike<number>): MaxF1 {
  checkLengths(labels, scores);
  return maxF1Sorted(sortDescending(scores, labelPayload(labels)));
}

/** {@link maxF1} of pairs already sorted by `sortDescending`; positives are payload bit 0. */
export function maxF1Sorted(sorted: SortedPairs): MaxF1 {
  const { values, payload } = sorted;
  const n = values.length;
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += payload[i] & 1;
  if (totalPos === 0) return { f1: NaN, precision: NaN, recall: NaN, threshold: NaN };
  // Start at sklearn's appended (P = 1, R = 0) point, F1 0; any threshold with a true positive beats it.
  let bestF1 = 0;
  let bestTp = 0;
  let bestCount = 0;
  let bestThreshold = Infinity;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    tp += payload[i] & 1;
    if (i === n - 1 || values[i] !== values[i + 1]) {
      const precision = tp / (i + 1);
      const recall = tp / totalPos;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      // `>=`: the sweep runs from high to low thresholds and ties go to the lowest.
      if (f1 >= bestF1) {
        bestF1 = f1;
        bestTp = tp;
        bestCount = i + 1;
        bestThreshold = values[i];
      }
    }
  }
  return {
    f1: bestF1,
    precision: bestCount > 0 ? bestTp / bestCount : 1,
    recall: bestTp / totalPos,
    threshold: bestThreshold,
  };
}
