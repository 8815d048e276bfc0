import type { MapScale } from '../demo/heatmap';

/**
 * One scale for the whole strip, without the evaluation's threshold (there is none yet): colour
 * starts at the highest value on the strip's good parts, so whatever is coloured on a defect scores
 * above every pixel of a good one. Without good parts, the upper half of the range.
 */
export function stripScale(
  maps: Float32Array,
  size: number,
  labels: readonly number[],
): MapScale & { fromGood: boolean } {
  const px = size * size;
  let min = Infinity;
  let max = -Infinity;
  let goodMax = -Infinity;
  for (let i = 0; i < labels.length; i++) {
    for (let p = i * px; p < (i + 1) * px; p++) {
      const v = maps[p];
      if (v < min) min = v;
      if (v > max) max = v;
      if (labels[i] === 0 && v > goodMax) goodMax = v;
    }
  }
  if (!(max > min)) max = min + 1e-6;
  const fromGood = goodMax > -Infinity && goodMax < max;
  return { min, max, threshold: fromGood ? goodMax : (min + max) / 2, fromGood };
}
