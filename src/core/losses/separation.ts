import * as tf from '@tensorflow/tfjs';
import { matMul } from '../nn/matmul';
import { REFERENCE_SINKHORN, sinkhornDivergence, type SinkhornOptions } from './sinkhorn';

/**
 * The reference `Separation_loss`: L_OT (Sinkhorn) + 0.1 · L_Con (cosine contrast), per level.
 *
 * mode 'reference': S(softmax(flat(normal_l)), softmax(flat(normal_l[perm]))). A batch and its
 *   permutation are the same uniform point cloud, so this is 0 up to rounding (goldens: ±2.5e-10).
 * mode 'paper': Eq. 9 as written, L_OT = 1/(m·K) Σ_k Σ_{i,j} S(σ(f_k(MI_i)), σ(f_k(MI_j))) over pairs of
 *   samples of the batch, all from the normal-bank fusion ("proximity among standard samples within
 *   the normal memory bank"). Each σ(f_k(MI_i)) is one point of R^D (a Dirac), and the debiased
 *   balanced Sinkhorn divergence between two Diracs is exactly their cost ½‖x − y‖² (one coupling,
 *   and S(δ,δ) = 0), so the sum is computed in closed form: Σ_{i,j} ½‖x_i − x_j‖² = m Σ‖x_i‖² − ‖Σx_i‖².
 *   (Comparing normal with abnormal fusions instead would pull them together and fight L_Con.)
 *
 * Flattening is NHWC here, NCHW in the reference: softmax, norms and inner products are sums over
 * all elements of a row, so the values are the same.
 */

export type SeparationMode = 'reference' | 'paper';

export interface SeparationOptions {
  mode: SeparationMode;
  /** Batch permutation for 'reference' mode (random when omitted). */
  perm?: number[];
  /** Weight of the contrast term inside the module (the reference's 0.1). */
  contrastWeight: number;
  /** CosineEmbeddingLoss margin θ. */
  margin: number;
  sinkhorn: SinkhornOptions;
}

export const REFERENCE_SEPARATION: SeparationOptions = {
  mode: 'reference',
  contrastWeight: 0.1,
  margin: 0.5,
  sinkhorn: REFERENCE_SINKHORN,
};

export interface SeparationResult {
  /** Per-level Sinkhorn divergences (L_OT parts). */
  sinkhorn: tf.Scalar[];
  /** Per-level contrast terms (L_Con parts). */
  contrast: tf.Scalar[];
  sinkhornSum: tf.Scalar;
  contrastSum: tf.Scalar;
  /** sinkhornSum + contrastWeight · contrastSum (the module's return value). */
  total: tf.Scalar;
}

/** torch.nn.CosineEmbeddingLoss's EPSILON on the squared norms. */
const CEL_EPS = 1e-12;

/** Fisher–Yates with Math.random (the reference uses torch.randperm). */
export function randomPermutation(n: number, random: () => number = Math.random): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Row permutation as a one-hot matmul: tf.gather has no gradient on WASM (UnsortedSegmentSum).
 * Products with exact 0/1 keep the permuted values bit-identical.
 */
export function permuteRows(x: tf.Tensor2D, perm: number[]): tf.Tensor2D {
  const n = x.shape[0];
  const p = new Float32Array(n * n);
  perm.forEach((src, dst) => (p[dst * n + src] = 1));
  return matMul(tf.tensor2d(p, [n, n]), x);
}

/** CosineEmbeddingLoss(margin, target = −1) = mean_n max(0, cos_n − margin). */
export function contrastLoss(
  a: tf.Tensor2D, // [N,D] (reference: the noise/abnormal features)
  b: tf.Tensor2D, // [N,D] (reference: the normal features)
  margin: number,
): tf.Scalar {
  return tf.tidy(() => {
    const dot = tf.sum(tf.mul(a, b), 1);
    const m1 = tf.add(tf.sum(tf.mul(a, a), 1), CEL_EPS);
    const m2 = tf.add(tf.sum(tf.mul(b, b), 1), CEL_EPS);
    const cos = tf.div(dot, tf.sqrt(tf.mul(m1, m2)));
    return tf.mean(tf.relu(tf.sub(cos, margin))) as tf.Scalar;
  });
}

const flat = (x: tf.Tensor4D): tf.Tensor2D => tf.reshape(x, [x.shape[0], -1]);

/**
 * The paper's L_OT for one level, divided by the number of levels `levels` as Eq. 9 does:
 * 1/(m·K) Σ_{i,j} ½‖σ(x_i) − σ(x_j)‖², σ = softmax over each flattened sample (see the module note).
 */
export function pairwiseOtLevel(normal: tf.Tensor4D /* [m,H,W,C] */, levels: number): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.softmax(flat(normal));
    const m = x.shape[0];
    const sumSq = tf.sum(tf.square(x));
    const total = tf.sum(tf.square(tf.sum(x, 0)));
    return tf.div(tf.sub(tf.mul(sumSq, m), total), m * levels) as tf.Scalar;
  });
}

export function separationLoss(
  normal: tf.Tensor4D[], // per level [N,H,W,C] normal MSFF outputs
  abnormal: tf.Tensor4D[], // per level [N,H,W,C] abnormal (noise) MSFF outputs
  options: Partial<SeparationOptions> = {},
): SeparationResult {
  const opts = { ...REFERENCE_SEPARATION, ...options };
  if (normal.length !== abnormal.length)
    throw new Error(`separationLoss: ${normal.length} vs ${abnormal.length} levels`);
  const n = normal[0].shape[0];
  const perm = opts.perm ?? randomPermutation(n);
  if (opts.mode === 'reference' && perm.length !== n)
    throw new Error(`separationLoss: perm of ${perm.length} for batch ${n}`);
  const sinkhorn: tf.Scalar[] = [];
  const contrast: tf.Scalar[] = [];
  for (let l = 0; l < normal.length; l++) {
    sinkhorn.push(
      opts.mode === 'paper'
        ? pairwiseOtLevel(normal[l], normal.length)
        : tf.tidy(() => {
            const x = tf.softmax(flat(normal[l])) as tf.Tensor2D;
            return sinkhornDivergence(x, permuteRows(x, perm), opts.sinkhorn);
          }),
    );
    contrast.push(tf.tidy(() => contrastLoss(flat(abnormal[l]), flat(normal[l]), opts.margin)));
  }
  const sinkhornSum = tf.addN(sinkhorn) as tf.Scalar;
  const contrastSum = tf.addN(contrast) as tf.Scalar;
  const total = tf.tidy(() => tf.add(sinkhornSum, tf.mul(contrastSum, opts.contrastWeight)) as tf.Scalar);
  return { sinkhorn, contrast, sinkhornSum, contrastSum, total };
}
