import * as tf from '@tensorflow/tfjs';

/** torch.nn.CosineSimilarity's default eps. */
const COS_EPS = 1e-8;

export interface KdOptions {
  /**
   * false (reference code): per sample, the cosine between the two whole flattened maps.
   * true (the paper's Eq. for L_KD): per pixel, the cosine between the channel vectors, averaged
   * over pixels and the batch.
   */
  perPixel: boolean;
}

/**
 * Cosine along `axis` as torch 1.13 computes it: each side divided by max(‖·‖, 1e-8) first, then
 * the dot product. Gradients equal those of x/‖x‖ whenever the norm exceeds the eps.
 */
export function cosineTorch(a: tf.Tensor, b: tf.Tensor, axis: number): tf.Tensor {
  return tf.tidy(() => {
    const an = tf.div(a, tf.maximum(l2Norm(a, axis), COS_EPS));
    const bn = tf.div(b, tf.maximum(l2Norm(b, axis), COS_EPS));
    return tf.sum(tf.mul(an, bn), axis);
  });
}

/**
 * ‖x‖ along `axis`, kept. Not tf.norm: that is pow(|x|, 2), and TF.js's WASM Pow is a scalar loop
 * (7 % of a ResNet50 RD inference in `npm run bench:speed`); square is one SIMD pass.
 */
function l2Norm(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.sqrt(tf.sum(tf.square(x), axis, true));
}

/**
 * L_KD = Σ_levels mean(1 − cos(teacher_l, student_l)).
 * Inputs are NHWC, whereas the reference flattens NCHW; the whole-map cosine is a sum over all
 * elements of each sample, so the flattening order does not change it.
 */
export function kdLoss(
  teacher: tf.Tensor4D[], // per level [N,H,W,C]
  student: tf.Tensor4D[], // per level [N,H,W,C], same shapes
  opts: KdOptions = { perPixel: false },
): tf.Scalar {
  if (teacher.length !== student.length)
    throw new Error(`kdLoss: ${teacher.length} vs ${student.length} levels`);
  return tf.tidy(() => {
    const terms = teacher.map((a, l) => {
      const b = student[l];
      const cos = opts.perPixel
        ? cosineTorch(a, b, 3) // [N,H,W]
        : cosineTorch(tf.reshape(a, [a.shape[0], -1]), tf.reshape(b, [b.shape[0], -1]), 1); // [N]
      return tf.mean(tf.sub(1, cos));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}
