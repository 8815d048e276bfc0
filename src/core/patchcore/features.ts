import * as tf from '@tensorflow/tfjs';
import { resizeBilinearAlignCorners } from '../nn/resize';
import { Rng } from '../synth/rng';

/**
 * PatchCore's locally aware patch features from the frozen teacher's stride-8 and stride-16 taps:
 * each level averaged over its 3x3 neighbourhood (a patch sees its surroundings without losing
 * resolution), the stride-16 level upsampled to the stride-8 grid and concatenated, then optionally
 * multiplied by a fixed random matrix (Johnson–Lindenstrauss) to bound the memory's width.
 */

/** Patch vectors of a batch, image-major then row-major over the stride-8 grid. */
export interface PatchFeatures {
  patches: tf.Tensor2D; // [N*h*w, D]
  h: number;
  w: number;
}

/** Channels of a patch vector: both levels concatenated, or the projection's width. */
export function patchDimension(teacherChannels: readonly number[], projectionDim: number): number {
  const full = teacherChannels[1] + teacherChannels[2];
  return projectionDim > 0 && projectionDim < full ? projectionDim : full;
}

/** Shape [full, dim] of the projection, or null where `projectionDim` leaves the features as they are. */
export function projectionShape(
  teacherChannels: readonly number[],
  projectionDim: number,
): [number, number] | null {
  const full = teacherChannels[1] + teacherChannels[2];
  const dim = patchDimension(teacherChannels, projectionDim);
  return dim === full ? null : [full, dim];
}

/**
 * The fixed projection with N(0, 1/dim) entries (squared lengths kept in expectation), or null (see
 * projectionShape). Drawn from its own generator, so the same seed gives the same matrix whatever
 * else the run draws.
 */
export function randomProjection(
  teacherChannels: readonly number[],
  projectionDim: number,
  seed: number,
): { data: Float32Array; shape: [number, number] } | null {
  const shape = projectionShape(teacherChannels, projectionDim);
  if (!shape) return null;
  const rng = new Rng(seed);
  const data = new Float32Array(shape[0] * shape[1]);
  const std = 1 / Math.sqrt(shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, std);
  return { data, shape };
}

/** Patch features of one batch; the caller owns `patches`. */
export function patchFeatures(
  mid: tf.Tensor4D, // [N,h,w,C2], the teacher's stride-8 tap
  deep: tf.Tensor4D, // [N,h/2,w/2,C3], the teacher's stride-16 tap
  projection: tf.Tensor2D | null, // [C2+C3, D]
): PatchFeatures {
  const [n, h, w] = mid.shape;
  const patches = tf.tidy((): tf.Tensor2D => {
    // 'same' averages a border patch over its real neighbours only, so borders are not darkened.
    const a = tf.avgPool(mid, 3, 1, 'same');
    const b = resizeBilinearAlignCorners(tf.avgPool(deep, 3, 1, 'same'), h, w);
    const cat: tf.Tensor2D = tf.reshape(tf.concat([a, b], 3), [n * h * w, -1]);
    return projection ? tf.matMul(cat, projection) : cat;
  });
  return { patches, h, w };
}
