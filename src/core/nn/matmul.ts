import * as tf from '@tensorflow/tfjs';

/**
 * Batched matmul a[i]·b[i] for [B,M,K]·[B,K,P] (a batch of 1 on either side broadcasts), with the
 * batch lowered to plain 2-D matmuls on WASM: TF.js 4.22's WASM BatchMatMul runs any batch > 1 in a
 * scalar single-threaded loop, ~10x slower than XNNPACK's 2-D matmul of the same FLOPs (see
 * docs/performance.md). Other backends get tf.matMul as it is.
 */
export function batchMatMul(
  a: tf.Tensor3D, // [B|1, M, K]
  b: tf.Tensor3D, // [B|1, K, P]
): tf.Tensor3D {
  const [ba, m, k] = a.shape;
  const [bb, , p] = b.shape;
  const batch = Math.max(ba, bb);
  const backend = tf.getBackend();
  if (batch === 1 || (backend !== 'wasm' && backend !== 'cpu')) return tf.matMul(a, b);
  return tf.tidy(() => {
    if (bb === 1) {
      // Every row of every a[i] meets the same matrix: one [B·M,K]·[K,P] product.
      return tf.reshape(tf.matMul(tf.reshape(a, [ba * m, k]), tf.reshape(b, [k, p])), [
        ba,
        m,
        p,
      ]) as tf.Tensor3D;
    }
    if (ba === 1) {
      // One matrix applied to every b[i]: put the batch beside the columns, [K, B·P].
      const cols = tf.reshape(tf.transpose(b, [1, 0, 2]), [k, bb * p]);
      const y = tf.matMul(tf.reshape(a, [m, k]), cols); // [M, B·P]
      return tf.transpose(tf.reshape(y, [m, bb, p]), [1, 0, 2]) as tf.Tensor3D;
    }
    const as = tf.unstack(a);
    const bs = tf.unstack(b);
    return tf.stack(as.map((ai, i) => tf.matMul(ai as tf.Tensor2D, bs[i] as tf.Tensor2D))) as tf.Tensor3D;
  });
}
