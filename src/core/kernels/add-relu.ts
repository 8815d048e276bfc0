import * as tf from '@tensorflow/tfjs';
import { scaleShift } from './scale-shift';
import { storageKernelsOn } from './storage';
import { FlatProgram, forwardOnlyBackend, runProgram } from './webgpu';

/** ReLU(a + b) per element. */
class AddReluProgram extends FlatProgram {
  variableNames = ['A', 'B'];

  constructor(shape: number[]) {
    super(shape, 'dmgrd_add_relu');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) { setOutputAtIndex(index, max(A[index] + B[index], 0.0)); }
      }
    `;
  }
}

/**
 * ReLU(a + b), a residual block's end (the frozen teacher's blocks): one WebGPU dispatch instead of
 * two when no gradient is recorded; on WASM and CPU one pass of `scaleShift` with a unit scale
 * instead of TF.js's add and ReLU (two passes over the activations); TF.js's ops elsewhere.
 */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (a.shape.join() !== b.shape.join()) throw new Error(`addRelu: [${a.shape}] + [${b.shape}]`);
  const backend = forwardOnlyBackend();
  if (backend) return runProgram<T>(backend, new AddReluProgram(a.shape), [a, b]);
  if (storageKernelsOn()) {
    const c = a.shape[a.shape.length - 1];
    return tf.tidy(() => scaleShift(a, tf.ones([c]), tf.zeros([c]), true, b));
  }
  return tf.tidy(() => tf.relu(tf.add(a, b)) as T);
}
