import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Storage-sharing Identity and same-dtype Cast for the WASM backend, as the CPU, WebGL and WebGPU
 * backends already have. TF.js 4.22's WASM kernels copy the whole tensor for both, and the autodiff
 * tape clones every tensor a kernel saves for its gradient (`saveTensorsForBackwardMode`), so on WASM
 * a training step held a second copy of every saved activation and weight, and its backward pass a
 * Cast copy of each gradient: WRN50 RD at 128 px, batch 2 peaked at 3.1 GB. Sharing is safe because
 * TF.js tensors are immutable (Variable.assign rebinds, nothing writes into an input) and the WASM
 * backend reference-counts storage, which its own Reshape already relies on.
 */

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Kernels that may hand back their input's storage, and when. */
const SHARING: [string, (x: tf.TensorInfo, args: KernelArgs) => boolean][] = [
  ['Identity', (x) => x.dtype !== 'string'],
  ['Cast', (x, args) => x.dtype !== 'string' && x.dtype === (args.attrs as { dtype?: tf.DataType }).dtype],
];

let installed = false;

/** Idempotent; call after the WASM backend package is loaded (this module loads it). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  for (const [kernelName, shares] of SHARING) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) throw new Error(`installWasmKernels: the WASM backend has no ${kernelName} kernel`);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (!shares(x, args)) return original.kernelFunc(args);
        (args.backend as RefCountingBackend).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      },
    });
  }
}
