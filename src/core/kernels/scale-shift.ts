import * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd';
import { storages } from './storage';

const SCALE_SHIFT = 'ScaleShift';

/**
 * ReLU?(x·scale + shift) with one scale and shift per channel (x's last axis): BatchNorm's affine
 * step, and a convolution's bias and ReLU. One pass on WASM (SIMD where channels come in fours) and
 * CPU, where TF.js runs two or three: each a broadcasting elementwise kernel over the whole tensor.
 * Other backends compose TF.js ops. It has a gradient, so it is safe under a tape.
 */
export function scaleShift<T extends tf.Tensor>(
  x: T, // [..., C]
  scale: tf.Tensor1D, // [C]
  shift: tf.Tensor1D, // [C]
  relu: boolean,
): T {
  if (!(tf.getBackend() in storages)) {
    return tf.tidy(() => {
      const y = tf.add(tf.mul(x, scale), shift) as T;
      return relu ? tf.relu(y) : y;
    });
  }
  register();
  return tf.engine().runKernel(SCALE_SHIFT, { x, scale, shift }, { relu } as unknown as tf.NamedAttrMap) as T;
}

/** JS loop of the kernel, for CPU and for channels not in fours. */
function scaleShiftLoop(
  x: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
  y: Float32Array,
  relu: boolean,
): void {
  const c = scale.length;
  const floor = relu ? 0 : -Infinity;
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) y[i + j] = Math.max(x[i + j] * scale[j] + shift[j], floor);
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const [backendName, storage] of Object.entries(storages)) {
    tf.registerKernel({
      kernelName: SCALE_SHIFT,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const { x, scale, shift } = inputs as Record<'x' | 'scale' | 'shift', tf.TensorInfo>;
        const { relu } = attrs as unknown as { relu: boolean };
        const c = x.shape[x.shape.length - 1];
        for (const t of [x, scale, shift])
          if (t.dtype !== 'float32') throw new Error(`${SCALE_SHIFT}: float32 only, got ${t.dtype}`);
        if (scale.shape.join() !== `${c}` || shift.shape.join() !== `${c}`)
          throw new Error(`${SCALE_SHIFT}: scale and shift must be [${c}] for x [${x.shape.join(',')}]`);
        const s = storage(backend);
        return s.write(
          [x.shape],
          ([y]) => scaleShiftLoop(s.read(x), s.read(scale), s.read(shift), y, relu),
          (heap, [y]) => {
            const simd = c % 4 === 0 ? simdKernels(heap) : null;
            if (!simd) return false;
            const at = (t: tf.TensorInfo): number => address(heap, t);
            const rows = x.shape.reduce((a, b) => a * b, 1) / c;
            simd.scaleShift(at(x), at(scale), at(shift), at(y), rows, 4 * c, relu ? 1 : 0);
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
      };
    },
  });
}
