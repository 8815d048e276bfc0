import * as tf from '@tensorflow/tfjs';
import { offTape } from '../kernels/webgpu';

/**
 * `nn.MaxPool2d(2)` on NHWC maps, built from slices and `maximum` so that its gradient exists on
 * every backend without relying on MaxPoolGrad. Odd heights/widths drop the last row/column, as
 * PyTorch's floor mode does. Ties: the gradient goes to the first maximal element in the window's
 * row-major order (PyTorch's scan order), because `maximum`'s gradient prefers its first argument
 * on equality and the windows are folded in that order.
 */
export function maxPool2x2(x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const ho = Math.floor(h / 2);
    const wo = Math.floor(w / 2);
    if (ho === 0 || wo === 0) throw new Error(`maxPool2x2: input ${h}x${w} is smaller than the 2x2 window`);
    // With no gradient to route, TF.js's pool is the same maxima in one kernel instead of about nine.
    if (offTape()) return tf.maxPool(x, 2, 2, 'valid');
    const even = h === 2 * ho && w === 2 * wo ? x : tf.slice(x, [0, 0, 0, 0], [n, 2 * ho, 2 * wo, c]);
    // [N*Ho, 2 (row in window), Wo, 2*C (column in window, channel)]
    const r = tf.reshape(even, [n * ho, 2, wo, 2 * c]);
    const size: [number, number, number, number] = [n * ho, 1, wo, c];
    const a = tf.slice(r, [0, 0, 0, 0], size);
    const b = tf.slice(r, [0, 0, 0, c], size);
    const cc = tf.slice(r, [0, 1, 0, 0], size);
    const d = tf.slice(r, [0, 1, 0, c], size);
    const m = tf.maximum(tf.maximum(tf.maximum(a, b), cc), d);
    return tf.reshape(m, [n, ho, wo, c]);
  });
}
