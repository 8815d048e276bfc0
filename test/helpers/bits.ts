import type * as tf from '@tensorflow/tfjs';

/**
 * Index of the first element whose float32 bits differ, -2 for different lengths, -1 when equal.
 * (vitest's toEqual walks typed arrays element by element and takes minutes on a network's weights.)
 */
export function firstBitDifference(a: tf.Tensor | Float32Array, b: tf.Tensor | Float32Array): number {
  const bits = (t: tf.Tensor | Float32Array) => {
    const f = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
    return new Uint32Array(f.buffer, f.byteOffset, f.length);
  };
  const x = bits(a);
  const y = bits(b);
  if (x.length !== y.length) return -2;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
