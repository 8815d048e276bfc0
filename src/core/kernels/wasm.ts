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

let installed = false;

/** Idempotent; call after the WASM backend package is loaded (this module loads it). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) throw new Error('installWasmKernels: the WASM backend has no Identity/Cast kernel');

  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype === 'string' ? identity.kernelFunc(args) : share(x, args.backend);
    },
  });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const same = x.dtype === (args.attrs as { dtype?: tf.DataType }).dtype && x.dtype !== 'string';
      return same ? share(x, args.backend) : cast.kernelFunc(args);
    },
  });
}
