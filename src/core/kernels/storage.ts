import * as tf from '@tensorflow/tfjs';
import type { WasmHeap } from './simd';
import { fusedKernelsOn } from './webgpu';

/** What the kernels use of a backend: one implementation over the WASM heap, one over CPU arrays. */
export interface Storage {
  read(t: tf.TensorInfo): Float32Array;
  /**
   * Allocates every output before any is read or written (a growing WASM heap detaches views),
   * then fills them: on WASM by `simd` where it applies (it says whether it did), else by `fill`.
   */
  write(
    shapes: number[][],
    fill: (outputs: Float32Array[]) => void,
    simd?: (heap: WasmHeap, outputs: tf.TensorInfo[]) => boolean,
  ): tf.TensorInfo[];
}

interface CpuBackend {
  readSync(dataId: tf.DataId): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

export const storages: Record<string, (backend: unknown) => Storage> = {
  wasm: (backend) => {
    const b = backend as WasmHeap;
    return {
      // Every kernel on it checks that its inputs are float32.
      read: (t) => b.typedArrayFromHeap(t) as Float32Array,
      write: (shapes, fill, simd) => {
        const outs = shapes.map((s) => b.makeOutput(s, 'float32'));
        if (!simd?.(b, outs)) fill(outs.map((o) => b.typedArrayFromHeap(o) as Float32Array));
        return outs;
      },
    };
  },
  cpu: (backend) => {
    const b = backend as CpuBackend;
    return {
      read: (t) => b.readSync(t.dataId),
      write: (shapes, fill) => {
        const arrays = shapes.map((s) => new Float32Array(s.reduce((p, d) => p * d, 1)));
        fill(arrays);
        return shapes.map((s, i) => b.makeTensorInfo(s, 'float32', arrays[i]));
      },
    };
  },
};

/** Whether the kernels written over a `Storage` run on the active backend: WASM or CPU, custom kernels on. */
export const storageKernelsOn = (): boolean => fusedKernelsOn() && tf.getBackend() in storages;
