import * as tf from '@tensorflow/tfjs';

/** x with `pad` zeros before and after its rows and columns ([N,H,W,C]); x itself when pad is 0. */
export function padRowsCols(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  if (pad === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
}
