import * as tf from '@tensorflow/tfjs';
import { cosineDistanceMap } from '../kernels/cosine-distance';
import { separableBlurWebGPU } from '../kernels/gaussian-blur';
import { resizeMapsWebGPU } from '../kernels/resize-maps';
import { topkMean } from '../kernels/top-k';
import { batchMatMul } from '../nn/matmul';
import { resizeBilinearAlignCorners } from '../nn/resize';

/**
 * Anomaly maps and image scores as the reference evaluates them (RD's `cal_anomaly_map`,
 * amap_mode 'a', then scipy `gaussian_filter(sigma=4)` and the mean of the top-100 values).
 * Forward only. The reference builds a float64 map; fp32 here stays within ~1e-7 of it.
 * On WebGPU the per-pixel cosine, the resize and the blur run as custom kernels (src/core/kernels).
 */

export interface ScoringOptions {
  /** Output map size (the reference evaluates at 256×256). */
  outH: number;
  outW: number;
  /** Gaussian σ (0 = no blur) and scipy's truncate (radius = int(truncate·σ + 0.5)). */
  sigma: number;
  truncate: number;
  /** Image score = mean of the `topK` largest blurred-map values. */
  topK: number;
}

export const REFERENCE_SCORING: ScoringOptions = { outH: 256, outW: 256, sigma: 4, truncate: 4, topK: 100 };

/** Per level 1 − cos over channels (eps 1e-8), resized to (outH, outW) with align_corners. Forward only. */
export function levelAnomalyMaps(
  teacher: tf.Tensor4D[], // per level [N,h,w,C]
  student: tf.Tensor4D[], // per level [N,h,w,C]
  outH: number,
  outW: number,
): tf.Tensor3D[] {
  if (teacher.length !== student.length)
    throw new Error(`anomaly map: ${teacher.length} vs ${student.length} levels`);
  return teacher.map((t, l) => tf.tidy(() => resizeMaps(cosineDistanceMap(t, student[l]), outH, outW)));
}

/** Bilinear resize of [N,h,w] maps to (outH, outW) with align_corners, as every map is upsampled. */
export function resizeMaps(
  maps: tf.Tensor3D, // [N,h,w]
  outH: number,
  outW: number,
): tf.Tensor3D {
  const fused = resizeMapsWebGPU(maps, outH, outW);
  if (fused) return fused;
  return tf.tidy(() => {
    const a = tf.expandDims(maps, 3) as tf.Tensor4D; // [N,h,w,1]
    return tf.squeeze(resizeBilinearAlignCorners(a, outH, outW), [3]) as tf.Tensor3D;
  });
}

/** Σ_levels of the level maps → [N,outH,outW]. */
export function anomalyMap(
  teacher: tf.Tensor4D[], // per level [N,h,w,C]
  student: tf.Tensor4D[], // per level [N,h,w,C]
  outH: number,
  outW: number,
): tf.Tensor3D {
  return tf.tidy(() => tf.addN(levelAnomalyMaps(teacher, student, outH, outW)) as tf.Tensor3D);
}

/** scipy.ndimage's 1-D Gaussian: 2r+1 taps, r = int(truncate·σ + 0.5), normalised to sum 1. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let x = -r; x <= r; x++) s += k[x + r] = Math.exp((-0.5 * x * x) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** scipy 'reflect' (edge-inclusive mirror, d c b a | a b c d | d c b a) of any index into [0, n). */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * The 1-D filter with its reflect borders folded in, as a row-major [n,n] matrix B with
 * out = B · in. One matmul per axis works for any map size (mirrorPad limits the padding to the
 * map size) and runs as a single kernel on every backend.
 */
export function blurMatrix(n: number, kernel: Float64Array): Float32Array {
  const r = (kernel.length - 1) / 2;
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let t = -r; t <= r; t++) b[i * n + reflectIndex(i + t, n)] += kernel[t + r];
  }
  return Float32Array.from(b);
}

/**
 * Separable Gaussian blur of [N,H,W] maps (scipy gaussian_filter, mode 'reflect'): two 1-D passes
 * of 2r+1 taps on WebGPU; elsewhere one banded-matrix product per axis.
 */
export function gaussianBlur(
  maps: tf.Tensor3D, // [N,H,W]
  sigma = REFERENCE_SCORING.sigma,
  truncate = REFERENCE_SCORING.truncate,
): tf.Tensor3D {
  // σ 0 is no blur (mapSigma 0); a copy, so the caller owns input and output alike.
  if (sigma === 0) return tf.clone(maps);
  const [, h, w] = maps.shape;
  const k = gaussianKernel1d(sigma, truncate);
  const fused = separableBlurWebGPU(maps, k);
  if (fused) return fused;
  return tf.tidy(() => {
    const bh = tf.tensor3d(blurMatrix(h, k), [1, h, h]);
    const bwT = tf.transpose(tf.tensor3d(blurMatrix(w, k), [1, w, w]), [0, 2, 1]) as tf.Tensor3D;
    const rowsBlurred = batchMatMul(bh, maps); // along H
    return batchMatMul(rowsBlurred, bwT); // along W
  });
}

/** Mean of the k largest values of each map → [N]. */
export function imageScore(
  maps: tf.Tensor3D, // [N,H,W]
  k = REFERENCE_SCORING.topK,
): tf.Tensor1D {
  return tf.tidy(() => {
    const [n, h, w] = maps.shape;
    return topkMean(tf.reshape(maps, [n, h * w]), Math.min(k, h * w));
  });
}

export interface ScoredMaps {
  amap: tf.Tensor3D; // [N,outH,outW] before the blur
  blurred: tf.Tensor3D; // [N,outH,outW]
  score: tf.Tensor1D; // [N]
}

/** The whole evaluation path for a batch: map, blur, image score. */
export function scoreBatch(
  teacher: tf.Tensor4D[], // per level [N,h,w,C]
  student: tf.Tensor4D[], // per level [N,h,w,C]
  options: Partial<ScoringOptions> = {},
): ScoredMaps {
  const o = { ...REFERENCE_SCORING, ...options };
  const amap = anomalyMap(teacher, student, o.outH, o.outW);
  const blurred = gaussianBlur(amap, o.sigma, o.truncate);
  const score = imageScore(blurred, o.topK);
  return { amap, blurred, score };
}
