import type { Rng } from './rng';

/**
 * Perlin-noise anomaly masks as the reference draws them (DRAEM's `rand_perlin_2d_np`, then an
 * imgaug `Affine(rotate=(-90, 90))`, then `> 0.5`).
 */

const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10); // 6t^5 − 15t^4 + 10t^3

/**
 * 2-D gradient Perlin noise on an [h, w] grid with `resRows × resCols` lattice cells, scaled by √2
 * so that values lie in [−1, 1]. Gradients are unit vectors at uniform angles, one per lattice
 * corner, drawn row-major over the (resRows+1)×(resCols+1) corners; the first gradient component
 * pairs with the row offset, as in the reference.
 *
 * The reference needs h divisible by resRows and w by resCols (it uses 256 with res ≤ 32; other
 * sizes give it misaligned gradient tiles). Here the noise is generated on the next multiple of
 * the resolution along each axis and the top-left [h, w] corner is kept: each lattice cell keeps
 * its integer pixel size and the noise its character.
 */
export function perlinNoise2d(
  h: number,
  w: number,
  resRows: number,
  resCols: number,
  rng: Rng,
): Float32Array {
  if (!(h > 0 && w > 0 && resRows > 0 && resCols > 0))
    throw new Error('perlinNoise2d: sizes must be positive');
  const cellH = Math.ceil(h / resRows); // pixels per lattice cell along rows (d[0] in the reference)
  const cellW = Math.ceil(w / resCols);
  const gw = resCols + 1;
  const gradY = new Float64Array((resRows + 1) * gw);
  const gradX = new Float64Array((resRows + 1) * gw);
  for (let i = 0; i < gradY.length; i++) {
    const a = 2 * Math.PI * rng.next();
    gradY[i] = Math.cos(a);
    gradX[i] = Math.sin(a);
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const cy = Math.floor(y / cellH);
    const fy = (y - cy * cellH) / cellH;
    const ty = fade(fy);
    for (let x = 0; x < w; x++) {
      const cx = Math.floor(x / cellW);
      const fx = (x - cx * cellW) / cellW;
      const tx = fade(fx);
      const g00 = cy * gw + cx;
      const g10 = g00 + gw; // next corner along rows
      const g01 = g00 + 1; // next corner along columns
      const g11 = g10 + 1;
      const n00 = gradY[g00] * fy + gradX[g00] * fx;
      const n10 = gradY[g10] * (fy - 1) + gradX[g10] * fx;
      const n01 = gradY[g01] * fy + gradX[g01] * (fx - 1);
      const n11 = gradY[g11] * (fy - 1) + gradX[g11] * (fx - 1);
      const a = n00 + (n10 - n00) * ty;
      const b = n01 + (n11 - n01) * ty;
      out[y * w + x] = Math.SQRT2 * (a + (b - a) * tx);
    }
  }
  return out;
}

/**
 * Rotates an [h, w] single-channel image about its pixel centre ((w−1)/2, (h−1)/2) by `angleDeg`
 * as imgaug's Affine does with its defaults (order=1, mode='constant', cval=0), which hands the
 * work to cv2.warpAffine with INTER_LINEAR and BORDER_CONSTANT: each of the four bilinear
 * neighbours outside the image counts as 0, and the source position is quantised to 1/32 pixel
 * (OpenCV's INTER_TAB_SIZE), which we reproduce. Positive angles follow skimage's
 * AffineTransform(rotation=θ) in image coordinates; since the reference draws θ symmetrically,
 * the direction does not change the distribution.
 */
export function rotateBilinear(src: Float32Array, h: number, w: number, angleDeg: number): Float32Array {
  if (src.length !== h * w) throw new Error(`rotateBilinear: expected ${h}x${w} values`);
  const r = (angleDeg * Math.PI) / 180;
  const c = Math.cos(r);
  const s = Math.sin(r);
  const cx = w / 2 - 0.5;
  const cy = h / 2 - 0.5;
  const out = new Float32Array(h * w);
  const at = (yy: number, xx: number): number =>
    yy >= 0 && yy < h && xx >= 0 && xx < w ? src[yy * w + xx] : 0;
  for (let y = 0; y < h; y++) {
    const dy = y - cy;
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      // inverse map of p' = R(p − c) + c
      const sx = Math.round((c * dx + s * dy + cx) * 32) / 32;
      const sy = Math.round((-s * dx + c * dy + cy) * 32) / 32;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue; // all four neighbours outside: cval 0
      const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx;
      const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx;
      out[y * w + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export interface PerlinMaskOptions {
  /** Resolution exponents are drawn as integers in [minScale, maxScale) — reference 0, 6. */
  minScale?: number;
  maxScale?: number;
  /** Rotation angle drawn uniformly in [−maxRotationDeg, maxRotationDeg] — reference 90. */
  maxRotationDeg?: number;
  /** Pixel anomalous iff rotated noise > threshold — reference 0.5. */
  threshold?: number;
}

export interface PerlinMask {
  /** [h, w] 0/1 anomaly mask. */
  mask: Uint8Array;
  /** [h, w] rotated noise before the threshold (for display). */
  noise: Float32Array;
  /** Lattice resolution along rows / columns (2^tx, 2^ty). */
  resRows: number;
  resCols: number;
  angleDeg: number;
}

/**
 * Draws a binary Perlin mask: tx, ty ~ U{minScale..maxScale−1}, noise at (2^tx, 2^ty), rotation
 * ~ U[−90°, 90°], threshold. Draw order mirrors the reference (scales, gradients, angle). The mask
 * may be empty (large lattice cells and an unlucky draw); the reference does not redraw then.
 */
export function perlinMask(h: number, w: number, rng: Rng, options: PerlinMaskOptions = {}): PerlinMask {
  const minScale = options.minScale ?? 0;
  const maxScale = options.maxScale ?? 6;
  const maxRot = options.maxRotationDeg ?? 90;
  const threshold = options.threshold ?? 0.5;
  const tx = rng.int(minScale, maxScale);
  const ty = rng.int(minScale, maxScale);
  const resRows = 2 ** tx;
  const resCols = 2 ** ty;
  const raw = perlinNoise2d(h, w, resRows, resCols, rng);
  const angleDeg = rng.uniform(-maxRot, maxRot);
  const noise = rotateBilinear(raw, h, w, angleDeg);
  const mask = new Uint8Array(h * w);
  for (let i = 0; i < mask.length; i++) mask[i] = noise[i] > threshold ? 1 : 0;
  return { mask, noise, resRows, resCols, angleDeg };
}
