/**
 * The reference's learning-rate schedule (CosineAnnealingWarmupRestarts with one cycle): linear
 * warm-up from minLr to lr over the first `warmupFraction` of the steps, then a half cosine back
 * down to minLr. `step` counts from 0, as the scheduler's internal counter does.
 */
export function learningRateAt(
  step: number,
  o: { steps: number; lr: number; minLr: number; warmupFraction: number },
): number {
  const warmup = Math.floor(o.steps * o.warmupFraction);
  if (step < warmup) return o.minLr + ((o.lr - o.minLr) * step) / warmup;
  const span = Math.max(1, o.steps - warmup);
  const t = Math.min(1, (step - warmup) / span);
  return o.minLr + ((o.lr - o.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
}
