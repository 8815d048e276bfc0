import * as tf from '@tensorflow/tfjs';
import { scaleShift } from './scale-shift';
import { FlatProgram, forwardOnlyBackend, runProgram } from './webgpu';

/** A BatchNorm's parameters and running statistics, one value per channel. */
export interface BatchNormTensors {
  weight: tf.Tensor1D; // [C]
  bias: tf.Tensor1D; // [C]
  mean: tf.Tensor1D; // [C]
  variance: tf.Tensor1D; // [C]
}

export interface EvalBatchNormOptions {
  relu?: boolean;
  /** Added before the ReLU: a residual block's shortcut, [N,H,W,C] like x. */
  residual?: tf.Tensor4D;
}

/**
 * relu?(BatchNorm(x) + residual?) per element, with the per-channel scale s = γ / √(var + eps) and
 * shift β − mean·s worked out in the shader (PyTorch's order of operations), so a layer is one
 * dispatch instead of six (five on [C] vectors, then the pass) or eight with a shortcut.
 */
class EvalBatchNormProgram extends FlatProgram {
  variableNames: string[];

  constructor(
    shape: number[],
    private readonly eps: number,
    private readonly relu: boolean,
    private readonly residual: boolean,
  ) {
    super(shape, `dmgrd_eval_batchnorm_${eps}_${relu}_${residual}`);
    this.variableNames = ['X', 'G', 'B', 'M', 'V', ...(residual ? ['R'] : [])];
  }

  getUserCode(): string {
    const sum = this.residual
      ? 'X[index] * s + (B[c] - M[c] * s) + R[index]'
      : 'X[index] * s + (B[c] - M[c] * s)';
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = index % uniforms.gShape;
          let s = G[c] * inverseSqrt(V[c] + ${this.eps.toExponential()});
          let y = ${sum};
          setOutputAtIndex(index, ${this.relu ? 'max(y, 0.0)' : 'y'});
        }
      }
    `;
  }
}

/**
 * BatchNorm with running statistics (eval mode), then the shortcut and ReLU if asked. One WebGPU
 * dispatch when no gradient is recorded; elsewhere the scale and shift are composed and applied by
 * `scaleShift` (one pass on WASM and CPU too).
 */
export function evalBatchNorm(
  x: tf.Tensor4D, // [N,H,W,C]
  p: BatchNormTensors,
  eps: number,
  { relu = false, residual }: EvalBatchNormOptions = {},
): tf.Tensor4D {
  if (residual && residual.shape.join() !== x.shape.join())
    throw new Error(`evalBatchNorm: shortcut [${residual.shape}] for x [${x.shape}]`);
  const backend = forwardOnlyBackend();
  if (backend) {
    const program = new EvalBatchNormProgram(x.shape, eps, relu, residual !== undefined);
    const inputs = [x, p.weight, p.bias, p.mean, p.variance, ...(residual ? [residual] : [])];
    return runProgram<tf.Tensor4D>(backend, program, inputs);
  }
  return tf.tidy(() => {
    const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.variance, eps))) as tf.Tensor1D;
    const shift = tf.sub(p.bias, tf.mul(p.mean, scale)) as tf.Tensor1D;
    return scaleShift(x, scale, shift, relu, residual);
  });
}
