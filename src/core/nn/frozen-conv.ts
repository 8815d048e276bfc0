import * as tf from '@tensorflow/tfjs';
import { scaleShift } from '../kernels/scale-shift';
import { hasSlowGradKernels } from './matmul';
import { takesWinograd, winogradConv3x3 } from './winograd';
import { webgpuWinogradBackend, winogradConv3x3WebGPU } from '../kernels/winograd-webgpu';

/** An inference-mode BatchNorm: y = (x − mean) / √(variance + eps) · gamma + beta, per channel. */
export interface FrozenBatchNorm {
  gamma: tf.Tensor1D; // [C]
  beta: tf.Tensor1D; // [C]
  mean: tf.Tensor1D; // [C]
  variance: tf.Tensor1D; // [C]
  eps: number;
}

/** What follows a frozen convolution's bias: fused into the same kernel. */
export type FrozenActivation = 'linear' | 'relu' | 'relu6';

/** Symmetric zero padding, or TensorFlow's 'same' / 'valid'. */
export type Padding = number | 'same' | 'valid';

/**
 * The filter and bias of conv(x, w) + b followed by `bn`, as one convolution: w·s and (b − mean)·s
 * + beta with s = gamma / √(variance + eps) per output channel. A frozen network (the teacher) pays
 * its BatchNorms once instead of a pass (or four) over every activation per call. A depthwise
 * filter [K,K,C,1] has its channels on axis 2.
 */
export function foldBatchNorm(
  w: tf.Tensor4D, // [K,K,Cin,Cout] or depthwise [K,K,C,1]
  bn: FrozenBatchNorm,
  bias?: tf.Tensor1D, // [Cout]
): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.variance, bn.eps)));
    const centred = bias ? tf.sub(bias, bn.mean) : tf.neg(bn.mean);
    const perChannel = w.shape[3] === 1 && w.shape[2] === scale.size ? tf.reshape(scale, [-1, 1]) : scale;
    return { filter: tf.mul(w, perChannel), bias: tf.add(tf.mul(centred, scale), bn.beta) };
  });
}

/**
 * act(conv(x, w) + b) with weights that are never trained: TF.js's fused convolution, whose bias and
 * activation cost no extra pass, or Winograd where `conv2d` would take it (WASM and CPU, and WebGPU's
 * own; forward only: nothing differentiates through a frozen network).
 */
export function frozenConv(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  b: tf.Tensor1D, // [Cout]
  stride: number,
  pad: Padding,
  activation: FrozenActivation,
): tf.Tensor4D {
  const relu = activation !== 'linear';
  const winograd = (conv: () => tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const y = conv();
      return activation === 'relu6' ? tf.minimum(y, 6) : y;
    });
  if (typeof pad === 'number') {
    const gpu = webgpuWinogradBackend(x.shape, w.shape, stride, pad);
    if (gpu) return winograd(() => winogradConv3x3WebGPU(gpu, x, w, { bias: b, relu }));
    if (hasSlowGradKernels() && takesWinograd(x.shape, w.shape, stride, pad))
      return winograd(() => scaleShift(winogradConv3x3(x, w), tf.onesLike(b), b, relu));
  }
  return tf.fused.conv2d({ x, filter: w, bias: b, strides: stride, pad, activation });
}

/** act(depthwise(x, w) + b), frozen as `frozenConv`: one fused kernel. */
export function frozenDepthwiseConv(
  x: tf.Tensor4D, // [N,H,W,C]
  w: tf.Tensor4D, // [K,K,C,1]
  b: tf.Tensor1D, // [C]
  stride: number,
  pad: Padding,
  activation: FrozenActivation,
): tf.Tensor4D {
  return tf.fused.depthwiseConv2d({ x, filter: w, bias: b, strides: stride, pad, activation });
}
