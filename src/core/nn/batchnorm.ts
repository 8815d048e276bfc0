import * as tf from '@tensorflow/tfjs';
import type { Mode, Scope } from './params';

const EPS = 1e-5;
const MOMENTUM = 0.1;

/**
 * BatchNorm2d as PyTorch runs it (eps 1e-5, momentum 0.1) on NHWC input. In training mode it
 * normalises with the batch's biased variance and updates the running statistics with the unbiased
 * one, outside the gradient tape's reach (assign is not differentiated).
 */
export function batchNorm(s: Scope, x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
  const weight = s.get('weight');
  const bias = s.get('bias');
  const runningMean = s.get('running_mean');
  const runningVar = s.get('running_var');
  if (!mode.training) {
    const scale = tf.mul(weight, tf.rsqrt(tf.add(runningVar, EPS)));
    return tf.add(tf.mul(tf.sub(x, runningMean), scale), bias);
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  if (mode.updateStats !== false)
    updateRunningStats(runningMean, runningVar, mean, variance, x.shape[0] * x.shape[1] * x.shape[2]);
  const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
  return tf.add(tf.mul(xhat, weight), bias);
}

function updateRunningStats(
  runningMean: tf.Variable,
  runningVar: tf.Variable,
  mean: tf.Tensor,
  variance: tf.Tensor,
  n: number,
): void {
  const newMean = tf.tidy(() => tf.add(tf.mul(runningMean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
  const unbiased = n > 1 ? n / (n - 1) : 1;
  const newVar = tf.tidy(() =>
    tf.add(tf.mul(runningVar, 1 - MOMENTUM), tf.mul(variance, MOMENTUM * unbiased)),
  );
  runningMean.assign(newMean);
  runningVar.assign(newVar);
  newMean.dispose();
  newVar.dispose();
}
