import * as tf from '@tensorflow/tfjs';
import { batchNormGrad, channelMoments } from '../kernels/batchnorm';
import { evalBatchNorm } from '../kernels/eval-batchnorm';
import { scaleShift } from '../kernels/scale-shift';
import { hasSlowGradKernels } from './matmul';
import type { Mode, Scope } from './params';

const EPS = 1e-5;
const MOMENTUM = 0.1;
const AXES = [0, 1, 2];

export interface BatchNormOptions {
  /** Apply ReLU to the output (fused, so the tape keeps one tensor less per layer). */
  relu?: boolean;
  /** Added before the ReLU: a residual block's shortcut, [N,H,W,C] like x (fused too). */
  residual?: tf.Tensor4D;
}

/** `batchNorm(s, x, mode, RELU)` = ReLU(BatchNorm(x)). */
export const RELU: BatchNormOptions = { relu: true };

/**
 * BatchNorm2d as PyTorch runs it (eps 1e-5, momentum 0.1) on NHWC input. In training mode it
 * normalises with the batch's biased variance and updates the running statistics with the unbiased
 * one, outside the gradient tape's reach (assign is not differentiated).
 */
export function batchNorm(s: Scope, x: tf.Tensor4D, mode: Mode, opts: BatchNormOptions = {}): tf.Tensor4D {
  const weight = s.get('weight') as tf.Tensor1D;
  const bias = s.get('bias') as tf.Tensor1D;
  const runningMean = s.get('running_mean');
  const runningVar = s.get('running_var');
  const { relu = false, residual } = opts;
  if (!mode.training) {
    const stats = { weight, bias, mean: runningMean as tf.Tensor1D, variance: runningVar as tf.Tensor1D };
    return evalBatchNorm(x, stats, EPS, { relu, residual });
  }
  const { y, mean, variance } = trainBatchNorm(x, weight, bias, relu, residual);
  if (mode.updateStats !== false)
    updateRunningStats(
      runningMean,
      runningVar,
      mean,
      variance,
      x.shape[0] * x.shape[1] * x.shape[2],
      mode.statsMomentum ?? MOMENTUM,
    );
  tf.dispose([mean, variance]);
  return y;
}

/**
 * Training-mode normalisation (+ shortcut, + ReLU) as one op with its own gradient. TF.js
 * differentiates the composite form op by op, and its tape keeps every intermediate (x − μ, its
 * square, x̂, x̂·γ, the pre-ReLU sum): five activation-sized tensors per layer. This keeps x and,
 * with ReLU, the output (which the next convolution keeps anyway), and rebuilds x̂ from two
 * per-channel vectors: with g = dy where the output is positive (all of dy without ReLU),
 *   dβ = Σ g,  dγ = Σ g·x̂,  dx = γ/σ · (g − dβ/N − x̂·dγ/N),  d(shortcut) = g,
 * σ = √(var + eps), sums over N,H,W. The batch statistics leave through `stats` because a custom
 * op returns one tensor.
 */
function trainBatchNorm(
  x: tf.Tensor4D, // [N,H,W,C]
  weight: tf.Tensor, // [C]
  bias: tf.Tensor, // [C]
  relu: boolean,
  residual: tf.Tensor4D | undefined, // [N,H,W,C]
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xi, w, b, r] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D | undefined];
    const n = xi.size / xi.shape[3];
    const { mean, variance } = channelMoments(xi) ?? compositeMoments(xi);
    const invStd = tf.rsqrt(tf.add(variance, EPS));
    const scale = tf.mul(invStd, w) as tf.Tensor1D;
    const y = scaleShift(xi, scale, tf.sub(b, tf.mul(mean, scale)), relu, r);
    stats = { mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D };
    save(relu ? [xi, w, mean, invStd, y] : [xi, w, mean, invStd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, mu, is, ys] = saved;
        const fused = batchNormGrad(
          dy as tf.Tensor4D,
          xs as tf.Tensor4D,
          relu ? (ys as tf.Tensor4D) : null,
          mu as tf.Tensor1D,
          is as tf.Tensor1D,
          ws as tf.Tensor1D,
        );
        if (fused && !r) return fused;
        const g = relu ? tf.mul(dy, tf.step(ys)) : dy;
        const own = (): tf.Tensor[] => {
          const xhat = scaleShift(xs, is as tf.Tensor1D, tf.neg(tf.mul(mu, is)) as tf.Tensor1D, false);
          const dBias = channelSums(g as tf.Tensor4D);
          const dWeight = channelSums(tf.mul(g, xhat) as tf.Tensor4D);
          const centred = tf.sub(g, tf.add(tf.div(dBias, n), tf.mul(xhat, tf.div(dWeight, n))));
          return [tf.mul(centred, tf.mul(ws, is)), dWeight, dBias];
        };
        return [...(fused ?? own()), ...(r ? [g] : [])];
      },
    };
  });
  const y = (residual ? op(x, weight, bias, residual) : op(x, weight, bias)) as tf.Tensor4D;
  const { mean, variance } = stats!;
  return { y, mean, variance };
}

/** Mean and biased variance per channel over N, H, W by TF.js ops. */
function compositeMoments(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const n = x.size / x.shape[3];
  const mean = tf.div(channelSums(x), n) as tf.Tensor1D;
  return { mean, variance: tf.div(channelSums(tf.square(tf.sub(x, mean)) as tf.Tensor4D), n) as tf.Tensor1D };
}

/**
 * Σ over N, H, W per channel, [N,H,W,C] → [C]. On WASM/CPU as a global average pool (XNNPACK reduces
 * NHWC in place) times H·W, then a sum over the batch: TF.js reduces over non-innermost axes by
 * transposing first, 10–13× slower here ([8,64,64,256]: 34 → 2.7 ms, Node, one thread).
 */
function channelSums(x: tf.Tensor4D): tf.Tensor1D {
  if (!hasSlowGradKernels()) return tf.sum(x, AXES);
  const [n, h, w, c] = x.shape;
  const perImage = tf.reshape(tf.avgPool(x, [h, w], [h, w], 'valid'), [n, c]);
  return tf.mul(tf.sum(perImage, 0), h * w);
}

function updateRunningStats(
  runningMean: tf.Variable,
  runningVar: tf.Variable,
  mean: tf.Tensor,
  variance: tf.Tensor,
  n: number,
  momentum: number,
): void {
  // Weight 1 replaces the statistics outright: an overflowed running variance (Inf, harmless in eval
  // mode, where it zeroes the channel) times 1 - 1 = 0 would be NaN.
  if (momentum === 1) {
    const unbiasedVar = tf.tidy(() => tf.mul(variance, n > 1 ? n / (n - 1) : 1));
    runningMean.assign(mean);
    runningVar.assign(unbiasedVar);
    unbiasedVar.dispose();
    return;
  }
  const newMean = tf.tidy(() => tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
  const unbiased = n > 1 ? n / (n - 1) : 1;
  const newVar = tf.tidy(() =>
    tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(variance, momentum * unbiased)),
  );
  runningMean.assign(newMean);
  runningVar.assign(newVar);
  newMean.dispose();
  newVar.dispose();
}
