import type { RgbImage } from '../data/image';
import { resizeRgb } from '../data/resize';
import { drawFourierLambda, fourierMix } from './fourier-mix';
import { perlinMask, type PerlinMaskOptions } from './perlin';
import type { Rng } from './rng';

/**
 * Synthetic anomaly of the reference's `fourier_perlin_noise` (METHOD.md §2).
 *
 * What the reference really does, reproduced here on purpose:
 *  - Blend I_a = (1−M)·F_M + (1−β)·F_M + β·M·F_M. Per pixel that is (2−β)·F_M where M = 0 and
 *    exactly F_M where M = 1: the whole image outside the Perlin region is brightened by the factor
 *    (2−β) ∈ (1.2, 2], the region itself keeps the Fourier-mixed image, and no texture is pasted
 *    into the mask. (The reference's own trailing comment, "(beta + perlin_thr) * FDA_img", does
 *    not match the code either.)
 *  - No clipping: F_M can leave [0, 1] (ringing of the amplitude mix) and (2−β)·F_M reaches up to
 *    ~2; the values go unclipped into the ImageNet normalisation.
 *  - An empty Perlin mask is not redrawn (DRAEM checks for it; this code does not): the result is
 *    then (2−β)·F_M everywhere and still serves as the "abnormal" sample.
 *  - The mask is not returned by the reference (its training never uses synthetic pixel labels);
 *    it is returned here for display.
 * Draw order mirrors the reference: Perlin scales, Perlin gradients, rotation, lam, β.
 */

export interface SynthOptions {
  /** Paper γ ~ N(0, 1) for the amplitude mix instead of the reference's U(0, 1). */
  paperLambda?: boolean;
  /** Paper β ~ U[0.1, 1.0] instead of the reference's U(0, 0.8). */
  paperBeta?: boolean;
  /** Fixed values replacing the draws (which still happen, so the other draws stay the same). */
  lam?: number;
  beta?: number;
  perlin?: PerlinMaskOptions;
  /** Low-frequency band fraction L of the amplitude mix (reference 0.1). */
  bandFraction?: number;
}

export interface SynthStages {
  /** The texture as mixed (resized to the image size if it was not). */
  texture: RgbImage;
  /** F_M, the Fourier-mixed image before the blend. */
  fourierMix: RgbImage;
  /** M, [h, w] 0/1. */
  perlinMask: Uint8Array;
  /** Rotated Perlin noise before the threshold, [h, w]. */
  perlinNoise: Float32Array;
  perlinRes: [number, number];
  perlinAngleDeg: number;
  beta: number;
  lam: number;
}

export interface SynthResult {
  /** I_a, [h, w, 3], unclipped. */
  image: RgbImage;
  /** [h, w] 0/1: the Perlin region M. */
  mask: Uint8Array;
  stages: SynthStages;
}

/** β draw: reference torch.rand·0.8 = U(0, 0.8); paper U[0.1, 1.0]. */
export function drawBeta(rng: Rng, paper: boolean): number {
  return paper ? rng.uniform(0.1, 1.0) : rng.uniform(0, 0.8);
}

/** I_a = (1−M)·F + (1−β)·F + β·M·F per pixel and channel, exactly as written (float64, stored float32). */
export function blendAnomaly(fm: Float32Array, mask: Uint8Array, beta: number): Float32Array {
  const n = mask.length;
  if (fm.length !== n * 3) throw new Error('blendAnomaly: image and mask sizes differ');
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const m = mask[i];
    for (let c = 0; c < 3; c++) {
      const f = fm[i * 3 + c];
      out[i * 3 + c] = (1 - m) * f + (1 - beta) * f + beta * m * f;
    }
  }
  return out;
}

export function synthesizeAnomaly(
  image: RgbImage, // [h, w, 3] in [0, 1]
  texture: RgbImage, // any size; resized as the reference resizes DTD images (PIL bilinear)
  rng: Rng,
  options: SynthOptions = {},
): SynthResult {
  const { height: h, width: w } = image;
  if (image.data.length !== h * w * 3)
    throw new Error('synthesizeAnomaly: image data does not match its size');
  const tex =
    texture.height === h && texture.width === w ? texture : resizeRgb(texture, h, w, { antialias: true });

  const perlin = perlinMask(h, w, rng, options.perlin);
  // Draw even when a fixed value is given, so that fixing one value keeps the other draws.
  const lamDraw = drawFourierLambda(rng, options.paperLambda ?? false);
  const lam = options.lam ?? lamDraw;
  const fm = fourierMix(image.data, tex.data, h, w, lam, options.bandFraction ?? 0.1);
  const betaDraw = drawBeta(rng, options.paperBeta ?? false);
  const beta = options.beta ?? betaDraw;
  const out = blendAnomaly(fm, perlin.mask, beta);

  return {
    image: { data: out, height: h, width: w },
    mask: perlin.mask,
    stages: {
      texture: tex,
      fourierMix: { data: fm, height: h, width: w },
      perlinMask: perlin.mask,
      perlinNoise: perlin.noise,
      perlinRes: [perlin.resRows, perlin.resCols],
      perlinAngleDeg: perlin.angleDeg,
      beta,
      lam,
    },
  };
}
