import type { RgbImage } from '../data/image';
import { perlinNoise2d } from './perlin';
import type { Rng } from './rng';

/**
 * Procedural stand-ins for the DTD texture folder, for when the user supplies none. The Fourier
 * mix only borrows a texture's low-frequency amplitude (the centred square of half-width
 * ⌊0.1·min(h, w)⌋), so what matters is a varied low-frequency spectrum and colour balance, which
 * these give: smooth fractal noise, oriented stripes, rotated checkers and cellular (Worley) cells.
 */

export const TEXTURE_KINDS = ['noise', 'stripes', 'checker', 'cellular'] as const;
export type TextureKind = (typeof TEXTURE_KINDS)[number];

type Rgb = [number, number, number];

function randomColour(rng: Rng): Rgb {
  return [rng.next(), rng.next(), rng.next()];
}

function paint(h: number, w: number, a: Rgb, b: Rgb, t: (y: number, x: number) => number): RgbImage {
  const data = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = Math.min(1, Math.max(0, t(y, x)));
      const o = (y * w + x) * 3;
      data[o] = a[0] + (b[0] - a[0]) * v;
      data[o + 1] = a[1] + (b[1] - a[1]) * v;
      data[o + 2] = a[2] + (b[2] - a[2]) * v;
    }
  }
  return { data, height: h, width: w };
}

function fractalNoise(h: number, w: number, rng: Rng): RgbImage {
  const base = rng.int(1, 4); // coarsest lattice 2^base cells
  const octaves = 4;
  const acc = new Float32Array(h * w);
  let amp = 1;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    const res = 2 ** (base + o);
    const layer = perlinNoise2d(h, w, res, res, rng);
    for (let i = 0; i < acc.length; i++) acc[i] += amp * layer[i];
    norm += amp;
    amp *= 0.5;
  }
  const a = randomColour(rng);
  const b = randomColour(rng);
  return paint(h, w, a, b, (y, x) => 0.5 + (0.5 * acc[y * w + x]) / norm);
}

function stripes(h: number, w: number, rng: Rng): RgbImage {
  const theta = rng.uniform(0, Math.PI);
  const period = rng.uniform(4, Math.max(8, Math.min(h, w) / 3));
  const sharp = rng.next() < 0.5;
  const phase = rng.uniform(0, 2 * Math.PI);
  const a = randomColour(rng);
  const b = randomColour(rng);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return paint(h, w, a, b, (y, x) => {
    const v = 0.5 + 0.5 * Math.sin((2 * Math.PI * (x * c + y * s)) / period + phase);
    return sharp ? (v > 0.5 ? 1 : 0) : v;
  });
}

function checker(h: number, w: number, rng: Rng): RgbImage {
  const theta = rng.uniform(0, Math.PI / 2);
  const cell = rng.uniform(6, Math.max(12, Math.min(h, w) / 4));
  const a = randomColour(rng);
  const b = randomColour(rng);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return paint(h, w, a, b, (y, x) => {
    const u = Math.floor((x * c + y * s) / cell);
    const v = Math.floor((-x * s + y * c) / cell);
    return (u + v) & 1;
  });
}

function cellular(h: number, w: number, rng: Rng): RgbImage {
  const count = rng.int(8, 48);
  const px = new Float64Array(count);
  const py = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    px[i] = rng.uniform(0, w);
    py[i] = rng.uniform(0, h);
  }
  const scale = Math.sqrt((h * w) / count); // typical distance to the nearest seed
  const edges = rng.next() < 0.5; // F2−F1 (cell walls) or F1 (round blobs)
  const a = randomColour(rng);
  const b = randomColour(rng);
  return paint(h, w, a, b, (y, x) => {
    let f1 = Infinity;
    let f2 = Infinity;
    for (let i = 0; i < count; i++) {
      // wrap around so the pattern tiles and has no border seam
      let dx = Math.abs(x - px[i]);
      let dy = Math.abs(y - py[i]);
      dx = Math.min(dx, w - dx);
      dy = Math.min(dy, h - dy);
      const d = Math.hypot(dx, dy);
      if (d < f1) {
        f2 = f1;
        f1 = d;
      } else if (d < f2) f2 = d;
    }
    return edges ? Math.min(1, (f2 - f1) / (0.5 * scale)) : f1 / scale;
  });
}

/** A [h, w, 3] texture in [0, 1]; the kind is drawn uniformly when not given. */
export function proceduralTexture(h: number, w: number, rng: Rng, kind?: TextureKind): RgbImage {
  const k = kind ?? rng.choice(TEXTURE_KINDS);
  switch (k) {
    case 'noise':
      return fractalNoise(h, w, rng);
    case 'stripes':
      return stripes(h, w, rng);
    case 'checker':
      return checker(h, w, rng);
    case 'cellular':
      return cellular(h, w, rng);
  }
}
