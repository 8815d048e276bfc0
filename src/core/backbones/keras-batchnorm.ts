import type * as tf from '@tensorflow/tfjs';
import type { FrozenBatchNorm } from '../nn/frozen-conv';

/** Keras's BatchNormalization default. */
const KERAS_BN_EPS = 1e-3;

/** A Keras BatchNormalization layer's weights (`<layer>/gamma` …) from a name lookup, for folding. */
export function kerasBatchNorm(get: (name: string) => tf.Tensor, layer: string): FrozenBatchNorm {
  return {
    gamma: get(`${layer}/gamma`) as tf.Tensor1D,
    beta: get(`${layer}/beta`) as tf.Tensor1D,
    mean: get(`${layer}/moving_mean`) as tf.Tensor1D,
    variance: get(`${layer}/moving_variance`) as tf.Tensor1D,
    eps: KERAS_BN_EPS,
  };
}
