import * as tf from '@tensorflow/tfjs';
import { channelMaxMean } from '../kernels/channel-pool';
import { offTape } from '../kernels/webgpu';
import { conv2d } from '../nn/conv';
import { convDefault } from '../nn/init';
import { hasSlowGradKernels } from '../nn/matmul';
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
    const pooled = channelMaxMean(x); // [N,H,W,2]
    const w = s.get('conv.weight') as tf.Tensor4D;
    const b = s.get('conv.bias') as tf.Tensor1D;
    const pad = (KERNEL - 1) / 2;
    // TF.js's fused convolution takes the sigmoid too, but has no gradient for it.
    if (offTape() && !hasSlowGradKernels())
      return tf.fused.conv2d({ x: pooled, filter: w, bias: b, strides: 1, pad, activation: 'sigmoid' });
    return tf.sigmoid(conv2d(pooled, w, 1, pad, b));
  });
}
