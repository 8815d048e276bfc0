import type { Rng } from '../synth/rng';
import { bezier, blend, blobCoverage, clamp01, strokeCoverage, type Rgb } from './paint';
import type { Surface } from './surfaces';

/**
 * Defects painted onto a demo surface. Each returns the exact mask of the pixels it changed (see
 * paint.blend), so the ground truth never disagrees with the image.
 */

// Alphabetical, as a folder drop of the same files would be indexed (evaluation order matches).
export const DEMO_DEFECTS = ['hole', 'missing', 'scratch', 'stain'] as const;
export type DemoDefect = (typeof DEMO_DEFECTS)[number];

type Point = [number, number];

/** A point where a defect may go: on the ring for the washer, away from the border otherwise. */
function site(s: Surface, rng: Rng, margin = 0.2): Point {
  const size = s.canvas.size;
  if (s.ring) {
    const r = rng.uniform(
      s.ring.inner + 0.3 * (s.ring.outer - s.ring.inner),
      s.ring.outer - 0.3 * (s.ring.outer - s.ring.inner),
    );
    const a = rng.uniform(-Math.PI, Math.PI);
    return [s.ring.cx + r * Math.cos(a), s.ring.cy + r * Math.sin(a)];
  }
  return [rng.uniform(margin, 1 - margin) * size, rng.uniform(margin, 1 - margin) * size];
}

/** Radius as a function of angle with a few random harmonics (irregular, never below 60%). */
function wobble(rng: Rng, r0: number, amount: number): (theta: number) => number {
  const terms = [2, 3, 5].map((k) => ({ k, a: rng.uniform(0, amount), p: rng.uniform(0, 2 * Math.PI) }));
  return (t) => r0 * Math.max(0.6, 1 + terms.reduce((acc, { k, a, p }) => acc + a * Math.sin(k * t + p), 0));
}

function scratch(s: Surface, rng: Rng): Uint8Array {
  const size = s.canvas.size;
  const a = site(s, rng, 0.15);
  const len = rng.uniform(0.25, 0.45) * size * (s.ring ? 0.6 : 1);
  const dir = rng.uniform(0, 2 * Math.PI);
  const clampPt = (p: Point): Point => [
    Math.min(size - 2, Math.max(2, p[0])),
    Math.min(size - 2, Math.max(2, p[1])),
  ];
  const b = clampPt([a[0] + len * Math.cos(dir), a[1] + len * Math.sin(dir)]);
  const bend = rng.uniform(-0.25, 0.25) * len;
  const mid = clampPt([(a[0] + b[0]) / 2 - bend * Math.sin(dir), (a[1] + b[1]) / 2 + bend * Math.cos(dir)]);
  const width = Math.max(1.3, (size / 128) * rng.uniform(2, 3.2));
  const alpha = strokeCoverage(size, bezier(a, mid, b), width);
  const bright = rng.next() < 0.5;
  const tone: Rgb = bright ? [0.95, 0.94, 0.9] : [0.06, 0.05, 0.05];
  for (let i = 0; i < alpha.length; i++) alpha[i] *= 0.9;
  return blend(s.canvas, alpha, (_y, _x, base) => [
    0.25 * base[0] + 0.75 * tone[0],
    0.25 * base[1] + 0.75 * tone[1],
    0.25 * base[2] + 0.75 * tone[2],
  ]);
}

function hole(s: Surface, rng: Rng): Uint8Array {
  const size = s.canvas.size;
  const [cx, cy] = site(s, rng);
  const r0 = s.ring ? 0.3 * (s.ring.outer - s.ring.inner) : rng.uniform(0.05, 0.09) * size;
  const radius = wobble(rng, Math.max(2, r0), 0.12);
  const alpha = blobCoverage(size, cx, cy, radius, 1.4 * Math.max(2, r0));
  return blend(s.canvas, alpha, (y, x) => {
    // Dark inside with the backing showing through, lighter towards the torn edge.
    const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) / r0;
    const bk = s.backing(y, x);
    const k = 0.35 + 0.4 * clamp01(d - 0.5);
    return [bk[0] * k + 0.02, bk[1] * k + 0.02, bk[2] * k + 0.02];
  });
}

function stain(s: Surface, rng: Rng): Uint8Array {
  const size = s.canvas.size;
  const [cx, cy] = site(s, rng);
  const r0 = s.ring ? 0.45 * (s.ring.outer - s.ring.inner) : rng.uniform(0.07, 0.12) * size;
  const radius = wobble(rng, r0, 0.25);
  const alpha = blobCoverage(size, cx, cy, radius, 1.9 * r0);
  const strength = rng.uniform(0.6, 0.8);
  const tints: Rgb[] = [
    [0.35, 0.2, 0.07], // rust / coffee
    [0.12, 0.13, 0.17], // oil
    [0.75, 0.7, 0.3], // glue
    [0.2, 0.45, 0.25], // paint
  ];
  // The tint furthest from the part's colour here, so the stain shows.
  const here: Rgb = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (alpha[i] < 0.5) continue;
    for (let c = 0; c < 3; c++) here[c] += s.canvas.data[3 * i + c];
    n++;
  }
  for (let c = 0; c < 3; c++) here[c] /= Math.max(1, n);
  const dist = (t: Rgb) => Math.abs(t[0] - here[0]) + Math.abs(t[1] - here[1]) + Math.abs(t[2] - here[2]);
  const tint = tints.reduce((best, t) => (dist(t) > dist(best) ? t : best));
  for (let i = 0; i < alpha.length; i++) alpha[i] *= strength;
  return blend(s.canvas, alpha, (_y, _x, base) => [
    0.25 * base[0] + 0.75 * tint[0],
    0.25 * base[1] + 0.75 * tint[1],
    0.25 * base[2] + 0.75 * tint[2],
  ]);
}

/** A piece bitten off: a wedge of the washer, or a chunk at the border of a texture. */
function missing(s: Surface, rng: Rng): Uint8Array {
  const size = s.canvas.size;
  const alpha = new Float32Array(size * size);
  if (s.ring) {
    const ring = s.ring;
    const start = rng.uniform(-Math.PI, Math.PI);
    const span = rng.uniform(0.35, 0.6);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const c = ring.coverage(y, x);
        if (c === 0) continue;
        const dx = x + 0.5 - ring.cx;
        const dy = y + 0.5 - ring.cy;
        let t = Math.atan2(dy, dx) - start;
        t = ((t % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
        // Distance in pixels to the nearest straight cut of the wedge, for an antialiased edge.
        const d = Math.hypot(dx, dy);
        const inside = Math.min(t, span - t) * d;
        alpha[y * size + x] = c * clamp01(inside + 0.5);
      }
    }
  } else {
    const side = rng.int(0, 4);
    const along = rng.uniform(0.25, 0.75) * size;
    const cx = side === 0 ? 0 : side === 1 ? size : along;
    const cy = side === 2 ? 0 : side === 3 ? size : along;
    const r0 = rng.uniform(0.1, 0.16) * size;
    alpha.set(blobCoverage(size, cx, cy, wobble(rng, r0, 0.2), 1.6 * r0));
  }
  return blend(s.canvas, alpha, (y, x) => s.backing(y, x));
}

export function paintDefect(s: Surface, defect: DemoDefect, rng: Rng): Uint8Array {
  switch (defect) {
    case 'scratch':
      return scratch(s, rng);
    case 'hole':
      return hole(s, rng);
    case 'stain':
      return stain(s, rng);
    case 'missing':
      return missing(s, rng);
  }
}
