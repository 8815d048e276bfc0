import * as tf from '@tensorflow/tfjs';

/**
 * Whether the active backend's gradient kernels are the slow (or missing) ones this module and
 * conv.ts replace: TF.js 4.22's WASM, and CPU, which runs the same formulations in tests.
 */
export const hasSlowGradKernels = (): boolean => {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
};

/**
 * Plain 2-D product a·b whose gradient on WASM uses no transposed matmul: TF.js's MatMul gradient
 * is dA = dy·bᵀ and dB = aᵀ·dy with the transpose flags set, and TF.js 4.22's WASM kernel runs
 * those flags in a scalar loop (0.9 and 3.6 GFLOP/s against 43 for the plain product on one
 * thread, `scripts/time-engine.ts`). An explicit transpose and a plain product cost about 10 % more
 * than the plain product. Other backends get tf.matMul and its own gradient.
 */
export function matMul(
  a: tf.Tensor2D, // [M, K]
  b: tf.Tensor2D, // [K, P]
): tf.Tensor2D {
  if (!hasSlowGradKernels()) return tf.matMul(a, b);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a2, b2, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([a2, b2]);
    return {
      value: product(a2, b2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [product(dy as tf.Tensor2D, tf.transpose(bs)), product(tf.transpose(as), dy as tf.Tensor2D)];
      },
    };
  });
  return op(a, b) as tf.Tensor2D;
}

/**
 * The plain product a·b; when b is large, as a sum over slices of K. XNNPACK packs b and streams
 * it past every tile of rows of a, and beyond 2²² floats (16 MB) it falls out of this machine's
 * last-level cache: [512,2048]·[2048,4096] ran at 28 GFLOP/s and [1024,2048]·[2048,2048] at 42
 * (Node, one thread). Slices of K keep each packed part small: [512,2048]·[2048,4096] 305 → 239 ms,
 * [2048,2048]·[2048,3072] 863 → 638 ms, [128,32768]·[32768,256] 85 → 71 ms, slices of a copied
 * included. No gradient: callers differentiate around it.
 */
export function product(
  a: tf.Tensor2D, // [M, K]
  b: tf.Tensor2D, // [K, P]
): tf.Tensor2D {
  const [m, k] = a.shape;
  const p = b.shape[1];
  if (k * p <= LARGE_OPERAND || k < 512 || !hasSlowGradKernels()) return tf.matMul(a, b);
  // Each packed slice of b at most 2²¹ floats: [512,4096]·[4096,2048] ran 212 ms in slices of 1024
  // and 259 ms in slices of 2048.
  const step = Math.min(2048, Math.max(256, 2 ** Math.floor(Math.log2(LARGE_OPERAND / 2 / p))));
  return sumOfParts(Math.ceil(k / step), (i) => {
    const [c, size] = [i * step, Math.min(step, k - i * step)];
    return tf.matMul(tf.slice(a, [0, c], [m, size]), tf.slice(b, [c, 0], [size, p]));
  });
}

/**
 * Σ part(i) for i < count, each part made in its own tidy and freed once added, so no more than
 * the running sum and one part are alive: how the split products and convolutions add up.
 */
export function sumOfParts<T extends tf.Tensor>(count: number, part: (i: number) => T): T {
  let sum = tf.tidy(() => part(0));
  for (let i = 1; i < count; i++) {
    const next = tf.tidy(() => tf.add(sum, part(i)) as T);
    sum.dispose();
    sum = next;
  }
  return sum;
}

/** Floats of a right-hand operand past which XNNPACK's products slow down (see `product`). */
export const LARGE_OPERAND = 2 ** 22;

/**
 * Batched matmul a[i]·b[i] for [B,M,K]·[B,K,P] (a batch of 1 on either side broadcasts), with the
 * batch lowered to plain 2-D `matMul`s on WASM: TF.js 4.22's WASM BatchMatMul runs any batch > 1 in
 * a scalar single-threaded loop, ~10x slower than XNNPACK's 2-D matmul of the same FLOPs (see
 * docs/performance.md). Other backends get tf.matMul as it is.
 */
export function batchMatMul(
  a: tf.Tensor3D, // [B|1, M, K]
  b: tf.Tensor3D, // [B|1, K, P]
): tf.Tensor3D {
  const [ba, m, k] = a.shape;
  const [bb, , p] = b.shape;
  if (!hasSlowGradKernels()) return tf.matMul(a, b);
  return tf.tidy(() => {
    if (bb === 1) {
      // Every row of every a[i] meets the same matrix: one [B·M,K]·[K,P] product (also batch 1).
      return tf.reshape(
        matMul(tf.reshape(a, [ba * m, k]) as tf.Tensor2D, tf.reshape(b, [k, p]) as tf.Tensor2D),
        [ba, m, p],
      ) as tf.Tensor3D;
    }
    if (ba === 1) {
      // One matrix applied to every b[i]: put the batch beside the columns, [K, B·P].
      const cols = tf.reshape(tf.transpose(b, [1, 0, 2]), [k, bb * p]) as tf.Tensor2D;
      const y = matMul(tf.reshape(a, [m, k]) as tf.Tensor2D, cols); // [M, B·P]
      return tf.transpose(tf.reshape(y, [m, bb, p]), [1, 0, 2]) as tf.Tensor3D;
    }
    // Slices rather than unstack: TF.js's WASM Unpack copies each piece element by element, 1.3 % of
    // a WRN50 DM-GRD inference at batch 8; our Slice kernel copies rows.
    const row = (t: tf.Tensor3D, i: number) =>
      tf.reshape(tf.slice(t, [i, 0, 0], [1, t.shape[1], t.shape[2]]), [
        t.shape[1],
        t.shape[2],
      ]) as tf.Tensor2D;
    const products = Array.from({ length: ba }, (_, i) => matMul(row(a, i), row(b, i)));
    return tf.stack(products) as tf.Tensor3D;
  });
}
