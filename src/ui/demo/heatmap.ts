/**
 * Heat-map colouring for the demo views (pure: typed arrays in, RGBA out, so Node tests cover it).
 */

export interface MapScale {
  min: number;
  max: number;
  /** Values below it are drawn faint (normal), above it strong (anomalous). */
  threshold?: number;
}

/** A perceptual "inferno"-like ramp: black → purple → orange → yellow, t in [0, 1]. */
export function heatColour(t: number): [number, number, number] {
  const x = t < 0 ? 0 : t > 1 ? 1 : t;
  const stops: [number, number, number, number][] = [
    [0, 0, 0, 4],
    [0.25, 87, 16, 110],
    [0.5, 188, 55, 84],
    [0.75, 249, 142, 9],
    [1, 252, 255, 164],
  ];
  for (let i = 1; i < stops.length; i++) {
    const [t1, r1, g1, b1] = stops[i];
    if (x <= t1) {
      const [t0, r0, g0, b0] = stops[i - 1];
      const u = (x - t0) / (t1 - t0);
      return [Math.round(r0 + (r1 - r0) * u), Math.round(g0 + (g1 - g0) * u), Math.round(b0 + (b1 - b0) * u)];
    }
  }
  return [252, 255, 164];
}

/** The range of a map, for frames scored before any evaluation. */
export function ownScale(map: Float32Array): MapScale {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max: max > min ? max : min + 1e-6 };
}

/**
 * RGBA overlay [size*size*4] of an anomaly map: colour from the ramp, opacity growing with the
 * value so normal regions stay see-through and anomalies stand out.
 */
export function heatmapRgba(
  map: Float32Array,
  scale: MapScale,
  maxAlpha = 0.8,
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(map.length * 4);
  const span = scale.max - scale.min || 1;
  const thr = scale.threshold === undefined ? null : (scale.threshold - scale.min) / span;
  for (let i = 0; i < map.length; i++) {
    const t = Math.min(1, Math.max(0, (map[i] - scale.min) / span));
    const [r, g, b] = heatColour(t);
    const a = thr === null ? t : t < thr ? 0.35 * (t / Math.max(thr, 1e-6)) : 0.5 + 0.5 * t;
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * maxAlpha * Math.min(1, a));
  }
  return out;
}

/**
 * Test images worth showing first: the defect images the model scored highest (the clearest
 * detections), then the good image scored lowest for contrast. Returns test indices.
 */
export function pickHighlights(scores: readonly number[], labels: readonly number[], count = 6): number[] {
  const idx = scores.map((_, i) => i);
  const defects = idx.filter((i) => labels[i] === 1).sort((a, b) => scores[b] - scores[a] || a - b);
  const good = idx.filter((i) => labels[i] === 0).sort((a, b) => scores[a] - scores[b] || a - b);
  const out = defects.slice(0, Math.max(0, count - (good.length ? 1 : 0)));
  if (good.length) out.push(good[0]);
  return out;
}

/** Frames per second over the given completion times (ms), or 0 with fewer than two. */
export function framesPerSecond(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const span = times[times.length - 1] - times[0];
  return span > 0 ? ((times.length - 1) * 1000) / span : 0;
}
