import * as tf from '@tensorflow/tfjs';

/** Eq. 8 weights (paper and reference: α 0.2, μ 0.1, τ 0.1). */
export interface LossWeights {
  alpha: number;
  mu: number;
  tau: number;
}

export const DEFAULT_LOSS_WEIGHTS: LossWeights = { alpha: 0.2, mu: 0.1, tau: 0.1 };

export interface LossTerms {
  kd: tf.Scalar;
  ot: tf.Scalar;
  con: tf.Scalar;
  se: tf.Scalar;
}

export interface TotalLoss extends LossTerms {
  total: tf.Scalar;
}

/**
 * L = L_KD + α·(L_OT + μ·L_Con) + τ·L_SE. The terms are returned as given (same tensors) so the
 * trainer can log each one; only `total` is new.
 */
export function totalLoss(terms: LossTerms, w: LossWeights = DEFAULT_LOSS_WEIGHTS): TotalLoss {
  const total = tf.tidy(
    () =>
      tf.addN([
        terms.kd,
        tf.mul(tf.add(terms.ot, tf.mul(terms.con, w.mu)), w.alpha),
        tf.mul(terms.se, w.tau),
      ]) as tf.Scalar,
  );
  return { ...terms, total };
}
