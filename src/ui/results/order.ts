/** Test indices by image score, most anomalous first; ties keep dataset order. */
export function byScore(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}
