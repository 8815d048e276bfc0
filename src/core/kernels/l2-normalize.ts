import * as tf from '@tensorflow/tfjs';
import { FlatProgram, forwardOnlyBackend, runProgram } from './webgpu';

/** x [R,C] → x / max(‖row‖₂, 1e-12) per row: one invocation per row reads it twice. */
class L2NormalizeRowsProgram extends FlatProgram {
  variableNames = ['X'];

  constructor(shape: [number, number]) {
    super(shape, 'dmgrd_l2_normalize_rows', shape[0]);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.outShape[0]) { return; }
        let c = uniforms.outShape[1];
        let base = index * c;
        var sq = 0.0;
        for (var k = 0; k < c; k++) {
          let v = X[base + k];
          sq += v * v;
        }
        let inv = 1.0 / max(sqrt(sq), 1e-12);
        for (var k = 0; k < c; k++) { setOutputAtIndex(base + k, X[base + k] * inv); }
      }
    `;
  }
}

/**
 * F.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12) along the last axis. One WebGPU dispatch when no
 * gradient is recorded, where the composite form is five (square, sum, sqrt, max, divide).
 */
export function l2NormalizeLast<T extends tf.Tensor>(x: T): T {
  const backend = forwardOnlyBackend();
  if (backend && x.rank >= 1) {
    const c = x.shape[x.rank - 1];
    return tf.tidy(() => {
      const rows = tf.reshape(x, [-1, c]) as tf.Tensor2D;
      const y = runProgram<tf.Tensor2D>(backend, new L2NormalizeRowsProgram(rows.shape), [rows]);
      return tf.reshape(y, x.shape) as T;
    });
  }
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12)) as T);
}
