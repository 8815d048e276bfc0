import { perlinNoise2d } from '../synth/perlin';
import type { Rng } from '../synth/rng';
import { clamp01, createCanvas, fill, mix, type Canvas, type Rgb } from './paint';

/**
 * Procedural "good" parts for the built-in demo dataset: three textures (wood, fabric, brushed
 * metal) and one object (a washer on a table). Every draw varies phase, colour and lighting a
 * little, as photos of one production line do, so the model has a normal variation to learn.
 */

export const DEMO_CATEGORIES = ['wood', 'fabric', 'metal', 'washer'] as const;
export type DemoCategory = (typeof DEMO_CATEGORIES)[number];

export interface Surface {
  canvas: Canvas;
  /** What shows through where material is missing (table, backing cloth). */
  backing(y: number, x: number): Rgb;
  /** Washer only: how much of a pixel the ring covers, and the ring geometry. */
  ring?: { cx: number; cy: number; inner: number; outer: number; coverage(y: number, x: number): number };
}

const jitter = (rng: Rng, c: Rgb, amount: number): Rgb => [
  clamp01(c[0] + rng.uniform(-amount, amount)),
  clamp01(c[1] + rng.uniform(-amount, amount)),
  clamp01(c[2] + rng.uniform(-amount, amount)),
];

/** Lattice resolution for a noise scale, kept ≥ 1 and ≤ size. */
const res = (size: number, cells: number): number => Math.max(1, Math.min(size, Math.round(cells)));

function wood(size: number, rng: Rng): Surface {
  const canvas = createCanvas(size);
  const warp = perlinNoise2d(size, size, res(size, 3), res(size, 3), rng);
  const fine = perlinNoise2d(size, size, res(size, size / 4), res(size, 2), rng);
  const angle = rng.uniform(-0.08, 0.08);
  const period = (size / 9) * rng.uniform(0.9, 1.1);
  const phase = rng.uniform(0, 2 * Math.PI);
  const light = jitter(rng, [0.76, 0.56, 0.34], 0.03);
  const dark = jitter(rng, [0.47, 0.29, 0.15], 0.03);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  fill(canvas, (y, x) => {
    const i = y * size + x;
    const v = y * c + x * s;
    const rings = 0.5 + 0.5 * Math.sin((2 * Math.PI * v) / period + 2.2 * warp[i] + phase);
    const t = clamp01(rings ** 1.6 + 0.12 * fine[i]);
    return mix(light, dark, t);
  });
  return { canvas, backing: () => [0.09, 0.08, 0.08] };
}

function fabric(size: number, rng: Rng): Surface {
  const canvas = createCanvas(size);
  const p = Math.max(4, Math.round(size / 16));
  const ox = rng.int(0, p);
  const oy = rng.int(0, p);
  const shade = perlinNoise2d(size, size, res(size, 2), res(size, 2), rng);
  const fuzz = perlinNoise2d(size, size, res(size, size / 2), res(size, size / 2), rng);
  const warpC = jitter(rng, [0.27, 0.37, 0.58], 0.02);
  const weftC = jitter(rng, [0.5, 0.57, 0.7], 0.02);
  fill(canvas, (y, x) => {
    const i = y * size + x;
    const u = x + ox;
    const v = y + oy;
    const over = (Math.floor(u / p) + Math.floor(v / p)) & 1;
    // Each thread is brightest along its middle; which thread is on top alternates per cell.
    const across = over
      ? 0.5 - 0.5 * Math.cos((2 * Math.PI * (v % p)) / p)
      : 0.5 - 0.5 * Math.cos((2 * Math.PI * (u % p)) / p);
    const base = over ? warpC : weftC;
    const k = 0.65 + 0.35 * across + 0.08 * shade[i] + 0.05 * fuzz[i];
    return [base[0] * k, base[1] * k, base[2] * k];
  });
  return { canvas, backing: () => [0.93, 0.92, 0.88] };
}

function metal(size: number, rng: Rng): Surface {
  const canvas = createCanvas(size);
  const streaks = perlinNoise2d(size, size, res(size, size / 2), res(size, 2), rng);
  const light = perlinNoise2d(size, size, res(size, 2), res(size, 2), rng);
  const grain = perlinNoise2d(size, size, res(size, size / 2), res(size, size / 2), rng);
  const base = jitter(rng, [0.6, 0.62, 0.65], 0.02);
  const tilt = rng.uniform(-0.15, 0.15);
  fill(canvas, (y, x) => {
    const i = y * size + x;
    const k = 0.85 + 0.12 * streaks[i] + 0.1 * light[i] + 0.03 * grain[i] + (tilt * (x - size / 2)) / size;
    return [base[0] * k, base[1] * k, base[2] * k];
  });
  return { canvas, backing: () => [0.07, 0.07, 0.08] };
}

function washer(size: number, rng: Rng): Surface {
  const canvas = createCanvas(size);
  const table = perlinNoise2d(size, size, res(size, 4), res(size, 4), rng);
  const grain = perlinNoise2d(size, size, res(size, size / 4), res(size, size / 4), rng);
  const cx = size / 2 + rng.uniform(-0.03, 0.03) * size;
  const cy = size / 2 + rng.uniform(-0.03, 0.03) * size;
  const outer = size * rng.uniform(0.35, 0.37);
  const inner = size * rng.uniform(0.15, 0.17);
  const lightAngle = rng.uniform(-Math.PI, Math.PI) * 0.15 - Math.PI / 4;
  const metalC = jitter(rng, [0.72, 0.7, 0.64], 0.02);
  const tableC = jitter(rng, [0.16, 0.2, 0.17], 0.01);
  const backing = (y: number, x: number): Rgb => {
    const k = 1 + 0.15 * table[y * size + x];
    return [tableC[0] * k, tableC[1] * k, tableC[2] * k];
  };
  const coverage = (y: number, x: number): number => {
    const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
    return clamp01(outer + 0.5 - d) * clamp01(d - inner + 0.5);
  };
  fill(canvas, (y, x) => {
    const a = coverage(y, x);
    const bg = backing(y, x);
    if (a === 0) return bg;
    const dx = x + 0.5 - cx;
    const dy = y + 0.5 - cy;
    const d = Math.hypot(dx, dy);
    const theta = Math.atan2(dy, dx);
    // Bevelled ring: brighter towards the light, darker at both edges.
    const radial = Math.sin((Math.PI * (d - inner)) / (outer - inner));
    const k = 0.55 + 0.3 * Math.cos(theta - lightAngle) * radial + 0.2 * radial + 0.04 * grain[y * size + x];
    const m: Rgb = [metalC[0] * k, metalC[1] * k, metalC[2] * k];
    return mix(bg, m, a);
  });
  return { canvas, backing, ring: { cx, cy, inner, outer, coverage } };
}

export function drawSurface(category: DemoCategory, size: number, rng: Rng): Surface {
  switch (category) {
    case 'wood':
      return wood(size, rng);
    case 'fabric':
      return fabric(size, rng);
    case 'metal':
      return metal(size, rng);
    case 'washer':
      return washer(size, rng);
  }
}
