import * as tf from '@tensorflow/tfjs';
import { FlatProgram, fusedBackend, runProgram } from './webgpu';

/**
 * One 1-D pass of a symmetric filter along H or W of [N,H,W] maps with scipy.ndimage's 'reflect'
 * border (d c b a | a b c d | d c b a), any radius and map size: 2r+1 reads per output instead of
 * the n reads per output of the banded-matrix product.
 */
class Blur1dProgram extends FlatProgram {
  variableNames = ['X', 'K'];

  constructor(
    shape: [number, number, number],
    private readonly axis: 1 | 2,
  ) {
    super(shape, `dmgrd_blur1d_axis${axis}`);
  }

  getUserCode(): string {
    const along = this.axis === 1 ? 'y' : 'z';
    // Index of X at (n, y, x) with the filtered coordinate replaced by j.
    const at = this.axis === 1 ? '(coords.x * h + j) * w + coords.z' : '(coords.x * h + coords.y) * w + j';
    return `
      fn reflectIndex(i : i32, n : i32) -> i32 {
        let period = 2 * n;
        var m = i % period;
        if (m < 0) { m = m + period; }
        if (m < n) { return m; }
        return period - 1 - m;
      }

      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          let h = uniforms.outShape.y;
          let w = uniforms.outShape.z;
          let n = uniforms.outShape.${along};
          let r = (uniforms.kShape - 1) / 2;
          var acc = 0.0;
          for (var t = -r; t <= r; t++) {
            let j = reflectIndex(coords.${along} + t, n);
            acc += K[t + r] * X[${at}];
          }
          setOutputAtIndex(index, acc);
        }
      }
    `;
  }
}

/**
 * Separable blur of [N,H,W] maps with the 1-D `kernel` (odd length, centred) and 'reflect' borders,
 * as two 1-D WebGPU passes; null when the kernels are not available (the caller keeps its own path).
 */
export function separableBlurWebGPU(
  maps: tf.Tensor3D, // [N,H,W]
  kernel: Float64Array, // [2r+1]
): tf.Tensor3D | null {
  const backend = fusedBackend();
  if (!backend) return null;
  if (kernel.length % 2 !== 1) throw new Error('separableBlurWebGPU: kernel length must be odd');
  return tf.tidy(() => {
    const k = tf.tensor1d(Float32Array.from(kernel));
    const rows = runProgram<tf.Tensor3D>(backend, new Blur1dProgram(maps.shape, 1), [maps, k]);
    return runProgram<tf.Tensor3D>(backend, new Blur1dProgram(maps.shape, 2), [rows, k]);
  });
}
