/**
 * Small raster helpers for the demo dataset: float RGB canvases, soft shapes as coverage fields in
 * [0, 1], and alpha blending that only touches pixels whose coverage survived the mask threshold,
 * so a defect's mask is exactly the set of pixels it changed.
 */

export type Rgb = [number, number, number];

/** [size,size,3] floats in [0, 1]. */
export interface Canvas {
  size: number;
  data: Float32Array;
}

export function createCanvas(size: number): Canvas {
  return { size, data: new Float32Array(size * size * 3) };
}

export function cloneCanvas(c: Canvas): Canvas {
  return { size: c.size, data: c.data.slice() };
}

export function toBytes(c: Canvas): Uint8Array {
  const out = new Uint8Array(c.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, c.data[i])) * 255);
  return out;
}

export const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Fills every pixel from `f(y, x)`. */
export function fill(c: Canvas, f: (y: number, x: number) => Rgb): void {
  const s = c.size;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const [r, g, b] = f(y, x);
      const o = (y * s + x) * 3;
      c.data[o] = r;
      c.data[o + 1] = g;
      c.data[o + 2] = b;
    }
  }
}

/**
 * Blends `colour(y, x, base)` over the canvas with per-pixel weight `alpha`; weights below
 * `threshold` are dropped so faint fringes neither change the image nor enter the mask. Returns
 * the [size,size] 0/1 mask of changed pixels.
 */
export function blend(
  c: Canvas,
  alpha: Float32Array,
  colour: (y: number, x: number, base: Rgb) => Rgb,
  threshold = 0.3,
): Uint8Array {
  const s = c.size;
  const mask = new Uint8Array(s * s);
  for (let i = 0; i < s * s; i++) {
    const a = alpha[i];
    if (!(a >= threshold)) continue;
    const o = i * 3;
    const base: Rgb = [c.data[o], c.data[o + 1], c.data[o + 2]];
    const col = colour(Math.floor(i / s), i % s, base);
    c.data[o] = base[0] + (col[0] - base[0]) * a;
    c.data[o + 1] = base[1] + (col[1] - base[1]) * a;
    c.data[o + 2] = base[2] + (col[2] - base[2]) * a;
    mask[i] = 1;
  }
  return mask;
}

/** Distance from (px, py) to the segment (ax, ay)-(bx, by). */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? clamp01(((px - ax) * dx + (py - ay) * dy) / len2) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Antialiased coverage of a polyline of the given width (pixel centres at integer + 0.5). */
export function strokeCoverage(size: number, points: [number, number][], width: number): Float32Array {
  const out = new Float32Array(size * size);
  const half = width / 2;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const pad = half + 1;
  const ya = Math.max(0, Math.floor(y0 - pad));
  const yb = Math.min(size - 1, Math.ceil(y1 + pad));
  const xa = Math.max(0, Math.floor(x0 - pad));
  const xb = Math.min(size - 1, Math.ceil(x1 + pad));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      let d = Infinity;
      for (let k = 1; k < points.length; k++) {
        const [ax, ay] = points[k - 1];
        const [bx, by] = points[k];
        d = Math.min(d, segmentDistance(x + 0.5, y + 0.5, ax, ay, bx, by));
      }
      out[y * size + x] = clamp01(half + 0.5 - d);
    }
  }
  return out;
}

/** Points along a quadratic Bézier curve. */
export function bezier(
  p0: [number, number],
  p1: [number, number],
  p2: [number, number],
  n = 32,
): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const u = 1 - t;
    pts.push([
      u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
      u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
    ]);
  }
  return pts;
}

/**
 * Coverage of a blob around (cx, cy) whose radius varies with the angle as `radius(θ)`, with a
 * one-pixel antialiased edge.
 */
export function blobCoverage(
  size: number,
  cx: number,
  cy: number,
  radius: (theta: number) => number,
  maxRadius: number,
): Float32Array {
  const out = new Float32Array(size * size);
  const ya = Math.max(0, Math.floor(cy - maxRadius - 2));
  const yb = Math.min(size - 1, Math.ceil(cy + maxRadius + 2));
  const xa = Math.max(0, Math.floor(cx - maxRadius - 2));
  const xb = Math.min(size - 1, Math.ceil(cx + maxRadius + 2));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const r = radius(Math.atan2(dy, dx));
      out[y * size + x] = clamp01(r + 0.5 - Math.hypot(dx, dy));
    }
  }
  return out;
}
