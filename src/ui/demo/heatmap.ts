/**
 * Heat-map drawing for the demo views (pure: typed arrays in, RGBA or segments out, so Node tests
 * cover it).
 */

import { colormapLut } from '../results/colormaps';

export interface MapScale {
  min: number;
  max: number;
  /** Pixels below it are left uncoloured (normal); the colour ramp runs from it to `max`. */
  threshold?: number;
}

/**
 * The stretch of inferno drawn over images, from red-purple to pale yellow: its darker start would
 * vanish on the dimmed base (greyBase), and no colour of it is grey, so it stands out on any part.
 */
export const OVERLAY_RAMP = { from: 0.4, to: 1 } as const;

/** Colour of position u in [0, 1] along the overlay ramp (clamped). */
export function overlayColour(u: number): [number, number, number] {
  const x = u < 0 ? 0 : u > 1 ? 1 : u;
  const k = Math.round((OVERLAY_RAMP.from + (OVERLAY_RAMP.to - OVERLAY_RAMP.from) * x) * 255) * 3;
  const lut = colormapLut('inferno');
  return [lut[k], lut[k + 1], lut[k + 2]];
}

/** Where the colour ramp starts: the threshold when there is one, else the bottom of the range. */
export function overlayFloor(scale: MapScale): number {
  const t = scale.threshold;
  return t !== undefined && t > scale.min && t < scale.max ? t : scale.min;
}

/**
 * The range of a map, for frames scored before any evaluation: with no threshold known, the upper
 * half of the frame's own range is coloured.
 */
export function ownScale(map: Float32Array): MapScale {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) max = min + 1e-6;
  return { min, max, threshold: (min + max) / 2 };
}

/**
 * RGBA overlay [size*size*4] of an anomaly map: transparent below the floor (overlayFloor), so
 * normal regions show the part itself; above it the ramp colour, opacity growing from `minAlpha` to
 * `maxAlpha` with the value.
 */
export function heatOverlayRgba(
  map: Float32Array,
  scale: MapScale,
  { minAlpha = 0.5, maxAlpha = 0.9 }: { minAlpha?: number; maxAlpha?: number } = {},
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(map.length * 4);
  const floor = overlayFloor(scale);
  const span = scale.max - floor || 1;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (!(v >= floor)) continue;
    const u = Math.min(1, (v - floor) / span);
    const [r, g, b] = overlayColour(u);
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = Math.round(255 * (minAlpha + (maxAlpha - minAlpha) * u));
  }
  return out;
}

/**
 * The base under the overlay: the image in dimmed grey, so no colour of the part (orange wood,
 * red paint) can be mistaken for heat. RGBA in, RGBA out.
 */
export function greyBase(rgba: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const lum = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    const g = 24 + 0.5 * lum;
    out[i] = g;
    out[i + 1] = g;
    out[i + 2] = g;
    out[i + 3] = 255;
  }
  return out;
}

/** CSS gradient of the overlay ramp, for the legend. */
export function overlayGradient(stops = 9): string {
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const u = s / (stops - 1);
    parts.push(`rgb(${overlayColour(u).join(', ')}) ${(u * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/**
 * Outline of a 0/1 mask [size*size] by marching squares through the pixel centres: segments
 * [x0, y0, x1, y1] in pixel units (pixel (x, y) spans x..x+1), clamped to the image so a region
 * touching the border is closed along it. Diagonal neighbours count as separate regions.
 */
export function maskContour(mask: ArrayLike<number>, size: number): [number, number, number, number][] {
  const at = (x: number, y: number): number =>
    x >= 0 && y >= 0 && x < size && y < size && mask[y * size + x] > 0 ? 1 : 0;
  const c = (v: number): number => Math.min(size, Math.max(0, v));
  const segs: [number, number, number, number][] = [];
  for (let y = -1; y < size; y++) {
    for (let x = -1; x < size; x++) {
      const code = (at(x, y) << 3) | (at(x + 1, y) << 2) | (at(x + 1, y + 1) << 1) | at(x, y + 1);
      if (code === 0 || code === 15) continue;
      const T: [number, number] = [c(x + 1), c(y + 0.5)];
      const R: [number, number] = [c(x + 1.5), c(y + 1)];
      const B: [number, number] = [c(x + 1), c(y + 1.5)];
      const L: [number, number] = [c(x + 0.5), c(y + 1)];
      const pairs = CONTOUR_CASES[code].map(([a, b]) => {
        const p = { T, R, B, L }[a];
        const q = { T, R, B, L }[b];
        return [p[0], p[1], q[0], q[1]] as [number, number, number, number];
      });
      for (const s of pairs) if (s[0] !== s[2] || s[1] !== s[3]) segs.push(s);
    }
  }
  return segs;
}

type Edge = 'T' | 'R' | 'B' | 'L';
/** Marching-squares cases, corner bits top-left 8, top-right 4, bottom-right 2, bottom-left 1. */
const CONTOUR_CASES: readonly (readonly [Edge, Edge][])[] = [
  [],
  [['L', 'B']],
  [['B', 'R']],
  [['L', 'R']],
  [['T', 'R']],
  [
    ['T', 'R'],
    ['L', 'B'],
  ],
  [['T', 'B']],
  [['T', 'L']],
  [['T', 'L']],
  [['T', 'B']],
  [
    ['T', 'L'],
    ['B', 'R'],
  ],
  [['T', 'R']],
  [['L', 'R']],
  [['B', 'R']],
  [['L', 'B']],
  [],
];

/** Mean map value inside and outside a mask (NaN for an empty side). */
export function maskContrast(
  map: ArrayLike<number>,
  mask: ArrayLike<number>,
): { inside: number; outside: number } {
  let si = 0;
  let ni = 0;
  let so = 0;
  let no = 0;
  for (let i = 0; i < map.length; i++) {
    if (mask[i] > 0) {
      si += map[i];
      ni++;
    } else {
      so += map[i];
      no++;
    }
  }
  return { inside: si / ni, outside: so / no };
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
