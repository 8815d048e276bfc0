import * as tf from '@tensorflow/tfjs';
import { scaleShift } from '../kernels/scale-shift';
import { hasSlowGradKernels } from './matmul';
import { takesWinograd, winogradConv3x3 } from './winograd';

/** An inference-mode BatchNorm: y = (x − mean) / √(variance + eps) · gamma + beta, per channel. */
export interface FrozenBatchNorm {
  gamma: tf.Tensor1D; // [C]
  beta: tf.Tensor1D; // [C]
  mean: tf.Tensor1D; // [C]
  variance: tf.Tensor1D; // [C]
  eps: number;
}

/**
 * The filter and bias of conv(x, w) + b followed by `bn`, as one convolution: w·s and (b − mean)·s
 * + beta with s = gamma / √(variance + eps) per output channel. A frozen network (the teacher) pays
 * its BatchNorms once instead of four elementwise passes over every activation per call.
 */
export function foldBatchNorm(
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  bn: FrozenBatchNorm,
  bias?: tf.Tensor1D, // [Cout]
): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.variance, bn.eps)));
    const centred = bias ? tf.sub(bias, bn.mean) : tf.neg(bn.mean);
    return { filter: tf.mul(w, scale), bias: tf.add(tf.mul(centred, scale), bn.beta) };
  });
}

/**
 * ReLU?(conv(x, w) + b) with weights that are never trained: TF.js's fused convolution, whose bias
 * and ReLU cost no extra pass, or on WASM and CPU Winograd where `conv2d` would take it (forward
 * only: nothing differentiates through a frozen network). Symmetric zero padding `pad`.
 */
export function frozenConv(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  b: tf.Tensor1D, // [Cout]
  stride: number,
  pad: number,
  relu: boolean,
): tf.Tensor4D {
  if (hasSlowGradKernels() && takesWinograd(x.shape, w.shape, stride, pad)) {
    return tf.tidy(() => scaleShift(winogradConv3x3(x, w), tf.onesLike(b), b, relu));
  }
  return tf.fused.conv2d({
    x,
    filter: w,
    bias: b,
    strides: stride,
    pad,
    activation: relu ? 'relu' : 'linear',
  });
}
