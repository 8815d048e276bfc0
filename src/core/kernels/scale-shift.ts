import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { address, simdFor } from './simd';
import { storageKernelsOn, storages } from './storage';
import { FlatProgram, fusedBackend } from './webgpu';

const SCALE_SHIFT = 'ScaleShift';

/**
 * ReLU?(x·scale + shift + residual?) with one scale and shift per channel (x's last axis):
 * BatchNorm's affine step, with a residual block's shortcut, and a convolution's bias and ReLU. One
 * pass on WASM (SIMD where channels come in fours), CPU and WebGPU, where TF.js runs two to four,
 * each an elementwise kernel over the whole tensor. WebGL, and every backend with the custom
 * kernels off (`setFusedKernels`), compose TF.js ops. It is a registered kernel with a gradient, so
 * it is safe under a tape.
 */
export function scaleShift<T extends tf.Tensor>(
  x: T, // [..., C]
  scale: tf.Tensor1D, // [C]
  shift: tf.Tensor1D, // [C]
  relu: boolean,
  residual?: T, // like x
): T {
  if (residual && residual.shape.join() !== x.shape.join())
    throw new Error(`${SCALE_SHIFT}: residual [${residual.shape}] for x [${x.shape}]`);
  if (!storageKernelsOn() && !fusedBackend()) {
    return tf.tidy(() => {
      const affine = tf.add(tf.mul(x, scale), shift) as T;
      const y = residual ? (tf.add(affine, residual) as T) : affine;
      return relu ? tf.relu(y) : y;
    });
  }
  register();
  const inputs: tf.NamedTensorMap = residual ? { x, scale, shift, residual } : { x, scale, shift };
  return tf.engine().runKernel(SCALE_SHIFT, inputs, { relu } as unknown as tf.NamedAttrMap) as T;
}

/** The WebGPU kernel: one invocation per element. */
class ScaleShiftProgram extends FlatProgram {
  variableNames: string[];

  constructor(
    shape: number[],
    private readonly relu: boolean,
    private readonly residual: boolean,
  ) {
    super(shape, `dmgrd_scale_shift_${relu}_${residual}`);
    this.variableNames = ['X', 'S', 'B', ...(residual ? ['R'] : [])];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = index % uniforms.sShape;
          let y = X[index] * S[c] + B[c]${this.residual ? ' + R[index]' : ''};
          setOutputAtIndex(index, ${this.relu ? 'max(y, 0.0)' : 'y'});
        }
      }
    `;
  }
}

interface ScaleShiftInputs {
  x: tf.TensorInfo;
  scale: tf.TensorInfo;
  shift: tf.TensorInfo;
  residual?: tf.TensorInfo;
}

/** The kernel's inputs, checked: float32, scale and shift one per channel (`scaleShift` checks the residual). */
function inputsOf(inputs: tf.NamedTensorInfoMap): ScaleShiftInputs {
  const { x, scale, shift, residual } = inputs as unknown as ScaleShiftInputs;
  const c = x.shape[x.shape.length - 1];
  for (const t of [x, scale, shift, residual ?? x])
    if (t.dtype !== 'float32') throw new Error(`${SCALE_SHIFT}: float32 only, got ${t.dtype}`);
  if (scale.shape.join() !== `${c}` || shift.shape.join() !== `${c}`)
    throw new Error(`${SCALE_SHIFT}: scale and shift must be [${c}] for x [${x.shape.join(',')}]`);
  return { x, scale, shift, residual };
}

/** JS loop of the kernel, for CPU and for channels not in fours. */
function scaleShiftLoop(
  x: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
  residual: Float32Array | null,
  y: Float32Array,
  relu: boolean,
): void {
  const c = scale.length;
  const floor = relu ? 0 : -Infinity;
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++)
      y[i + j] = Math.max(x[i + j] * scale[j] + shift[j] + (residual ? residual[i + j] : 0), floor);
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: SCALE_SHIFT,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, scale, shift, residual } = inputsOf(inputs);
      const { relu } = attrs as unknown as { relu: boolean };
      const program = new ScaleShiftProgram(x.shape, relu, residual !== undefined);
      const operands = [x, scale, shift, ...(residual ? [residual] : [])];
      return (backend as WebGPUBackend).runWebGPUProgram(program, operands, 'float32');
    },
  });
  for (const [backendName, storage] of Object.entries(storages)) {
    tf.registerKernel({
      kernelName: SCALE_SHIFT,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, scale, shift, residual } = inputsOf(inputs);
        const { relu } = attrs as unknown as { relu: boolean };
        const c = x.shape[x.shape.length - 1];
        const s = storage(backend);
        return s.write(
          [x.shape],
          ([y]) =>
            scaleShiftLoop(
              s.read(x),
              s.read(scale),
              s.read(shift),
              residual ? s.read(residual) : null,
              y,
              relu,
            ),
          (heap, [y]) => {
            const simd = simdFor(heap, c);
            if (!simd) return false;
            const at = (t: tf.TensorInfo): number => address(heap, t);
            const rows = x.shape.reduce((a, b) => a * b, 1) / c;
            const r = residual ? at(residual) : 0;
            simd.scaleShift(at(x), at(scale), at(shift), r, at(y), rows, 4 * c, relu ? 1 : 0);
            return true;
          },
        )[0];
      },
    });
  }
  tf.registerGradient({
    kernelName: SCALE_SHIFT,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, scale, y] = saved;
      const { relu } = attrs as unknown as { relu: boolean };
      const g = relu ? tf.mul(dy as tf.Tensor, tf.step(y)) : (dy as tf.Tensor);
      const axes = [...Array(x.rank - 1).keys()];
      return {
        x: () => tf.mul(g, scale),
        scale: () => tf.sum(tf.mul(g, x), axes),
        shift: () => tf.sum(g, axes),
        residual: () => g,
      };
    },
  });
}
