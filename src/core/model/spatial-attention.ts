import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../nn/conv';
import { convDefault } from '../nn/init';
import type { Scope } from '../nn/params';

/**
 * The reference's SpatialAttention: sigmoid(conv7x7([max over channels, mean over channels])),
 * conv 2 -> 1 with bias (`conv.weight`, `conv.bias`). MSFF applies it to its own inputs, which are
 * teacher/memory features (constants), so the channel max never needs a gradient w.r.t. its input;
 * only the conv parameters receive gradients.
 */

const KERNEL = 7;

export function createSpatialAttention(s: Scope, seed: number): void {
  convDefault(s, 'conv', KERNEL, 2, 1, false, seed);
  const bound = 1 / Math.sqrt(2 * KERNEL * KERNEL);
  s.store.addParam(s.name('conv.bias'), tf.randomUniform([1], -bound, bound, 'float32', seed + 1));
}

/** Attention map in (0, 1), [N,H,W,1]. */
export function spatialAttention(s: Scope, x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  return tf.tidy(() => {
    const pooled = tf.concat([tf.max(x, 3, true), tf.mean(x, 3, true)], 3) as tf.Tensor4D; // [N,H,W,2]
    const w = s.get('conv.weight') as tf.Tensor4D;
    return tf.sigmoid(conv2d(pooled, w, 1, (KERNEL - 1) / 2, s.get('conv.bias') as tf.Tensor1D));
  });
}
