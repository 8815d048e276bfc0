import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Replacements for TF.js 4.22 WASM kernels whose cost is a copy nothing needs.
 *
 * Storage-sharing Identity and same-dtype Cast, as the CPU, WebGL and WebGPU backends already have.
 * TF.js's WASM kernels copy the whole tensor for both, and the autodiff tape clones every tensor a
 * kernel saves for its gradient (`saveTensorsForBackwardMode`), so on WASM a training step held a
 * second copy of every saved activation and weight, and its backward pass a Cast copy of each
 * gradient: WRN50 RD at 128 px, batch 2 peaked at 3.1 GB. Sharing is safe because TF.js tensors are
 * immutable (Variable.assign rebinds, nothing writes into an input) and the WASM backend
 * reference-counts storage, which its own Reshape already relies on.
 *
 * Slice reading its input in place. TF.js's WASM Slice starts with `readSync`, which copies the
 * whole input out of the heap, however small the slice: cutting a 256-channel slice from a
 * [3,3,2048,2048] filter cost 124 ms, of which the copy of 151 MB was nearly all.
 */

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/** What the Slice kernel uses of the WASM backend (public methods of tfjs-backend-wasm 4.22). */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Kernels that may hand back their input's storage, and when. */
const SHARING: [string, (x: tf.TensorInfo, args: KernelArgs) => boolean][] = [
  ['Identity', (x) => x.dtype !== 'string'],
  ['Cast', (x, args) => x.dtype !== 'string' && x.dtype === (args.attrs as { dtype?: tf.DataType }).dtype],
];

/**
 * Slice as TF.js's WASM kernel computes it, but reading the input through a view of the heap. The
 * copy runs over the longest contiguous stretches: trailing dimensions taken whole merge into one.
 */
function sliceInPlace(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
  const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  const backend = args.backend as unknown as HeapBackend;
  // Allocate first: growing the heap would detach views taken before.
  const out = backend.makeOutput(size, x.dtype);
  const dst = backend.typedArrayFromHeap(out);
  if (dst.length === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  copyBox(src, x.shape, begin, size, dst);
  return out;
}

/** Copies the box `begin`…`begin + size` of a row-major array of `shape` into `dst`. */
function copyBox<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  shape: number[],
  begin: number[],
  size: number[],
  dst: T,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = tf.util.computeStrides(shape);
  const stride = (d: number): number => (d === rank - 1 ? 1 : strides[d]);
  // Dimensions d..rank-1 form one contiguous run per outer index.
  let d = rank - 1;
  let run = size[d];
  while (d > 0 && size[d] === shape[d]) {
    d -= 1;
    run *= size[d];
  }
  let base = 0;
  for (let i = d; i < rank; i++) base += begin[i] * stride(i);
  const outer = size.slice(0, d);
  const index = new Array<number>(d).fill(0);
  const runs = outer.reduce((a, b) => a * b, 1);
  for (let r = 0, at = 0; r < runs; r++, at += run) {
    let from = base;
    for (let i = 0; i < d; i++) from += (begin[i] + index[i]) * stride(i);
    if (run < 32) for (let j = 0; j < run; j++) dst[at + j] = src[from + j];
    else dst.set(src.subarray(from, from + run), at);
    for (let i = d - 1; i >= 0; i--) {
      if (++index[i] < outer[i]) break;
      index[i] = 0;
    }
  }
}

let installed = false;

/** Idempotent; call after the WASM backend package is loaded (this module loads it). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  const slice = tf.getKernel('Slice', 'wasm');
  if (!slice) throw new Error('installWasmKernels: the WASM backend has no Slice kernel');
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: (args) => sliceInPlace(args, slice.kernelFunc),
  });
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
