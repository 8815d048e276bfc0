/**
 * At most `max` evenly spaced items, always keeping the first and the last, so a chart of a long
 * run costs the same to draw as a short one.
 */
export function downsample<T>(items: readonly T[], max: number): T[] {
  const n = items.length;
  if (n <= max) return items.slice();
  if (max <= 1) return n > 0 ? [items[n - 1]] : [];
  const out: T[] = [];
  const stride = (n - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * stride)]);
  return out;
}

/** Log axes cannot show zero or negative values: those become gaps. */
export const forLog = (v: number, log: boolean): number | null => (log && !(v > 0) ? null : v);
