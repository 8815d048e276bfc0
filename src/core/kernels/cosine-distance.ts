import * as tf from '@tensorflow/tfjs';
import { cosineTorch } from '../losses/kd';
import { FlatProgram, fusedBackend, runProgram } from './webgpu';

/** torch.nn.CosineSimilarity's eps (as in cosineTorch). */
const COS_EPS = 1e-8;

/**
 * 1 − cos over the channel axis of two NHWC maps, per pixel: one invocation per pixel reads its C
 * channels of both maps once (dot and both squared norms in one loop). The composite path is six
 * kernels with three [N,H,W,C] temporaries.
 */
class CosineDistanceProgram extends FlatProgram {
  variableNames = ['A', 'B'];

  constructor(shape: [number, number, number, number]) {
    super(shape.slice(0, 3), 'dmgrd_cosine_distance');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = uniforms.aShape.w;
          let base = index * c;
          var ab = 0.0;
          var aa = 0.0;
          var bb = 0.0;
          for (var k = 0; k < c; k++) {
            let a = A[base + k];
            let b = B[base + k];
            ab += a * b;
            aa += a * a;
            bb += b * b;
          }
          let d = max(sqrt(aa), ${COS_EPS}) * max(sqrt(bb), ${COS_EPS});
          setOutputAtIndex(index, 1.0 - ab / d);
        }
      }
    `;
  }
}

/**
 * 1 − cos(a, b) over channels (torch eps 1e-8) → [N,H,W]. Forward only: the WebGPU kernel is not on
 * the autodiff tape (use kdLoss/cosineTorch where a gradient is needed).
 */
export function cosineDistanceMap(
  a: tf.Tensor4D, // [N,H,W,C]
  b: tf.Tensor4D, // [N,H,W,C], same shape
): tf.Tensor3D {
  if (a.shape.join() !== b.shape.join()) throw new Error(`cosineDistanceMap: ${a.shape} vs ${b.shape}`);
  const backend = fusedBackend();
  if (backend) return runProgram<tf.Tensor3D>(backend, new CosineDistanceProgram(a.shape), [a, b]);
  return tf.tidy(() => tf.sub(1, cosineTorch(a, b, 3)) as tf.Tensor3D);
}
