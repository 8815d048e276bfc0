import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { address, simdKernels, type WasmHeap } from './simd';

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
 * [3,3,2048,2048] filter cost 124 ms, of which the copy of 151 MB was nearly all. A slice of the
 * whole tensor shares its storage, as Identity does.
 *
 * Transpose as a tiled swap of two blocks of dimensions, which is every permutation the engine
 * uses (channels first for the filter gradients, a filter's in/out channels, a batch beside the
 * columns). TF.js's WASM Transpose is a scalar loop whose stride walks out of the cache: 130–280 M
 * floats/s on the shapes of a WRN50 training step, where the tiled copy moves 0.6–2.5 G (Node, one
 * thread): a [3,3,1024,256] filter 16.3 → 3.6 ms, [8,64,64,256] channels first 30 → 13.5 ms.
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

/**
 * Slice as TF.js's WASM kernel computes it, but reading the input through a view of the heap. The
 * copy runs over the longest contiguous stretches: trailing dimensions taken whole merge into one.
 */
function sliceInPlace(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
  const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
  if (begin.every((b) => b === 0) && size.every((n, d) => n === x.shape[d])) return shared(x, args);
  const backend = args.backend as unknown as WasmHeap;
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

/** `x` itself under a new reference: for kernels whose output equals their input. */
function shared(x: tf.TensorInfo, args: KernelArgs): tf.TensorInfo {
  (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function transposeTiled(args: KernelArgs, original: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const { perm } = args.attrs as { perm: number[] };
  const swap = x.dtype === 'string' || x.dtype === 'complex64' ? null : asBlockSwap(x.shape, perm);
  if (!swap) return original(args);
  const backend = args.backend as unknown as WasmHeap;
  // Allocate first: growing the heap would detach views taken before. A copy even when only
  // dimensions of size 1 move: sharing the storage under the new shape made training steps fail
  // with out-of-bounds accesses inside the module (cause not traced), which copying does not.
  const out = backend.makeOutput(
    perm.map((d) => x.shape[d]),
    x.dtype,
  );
  const { outer, a, b, inner } = swap;
  // Single elements of 4 bytes swapped in 4×4 blocks: simd.wat's transpose.
  const simd = inner === 1 && a % 4 === 0 && b % 4 === 0 && x.dtype !== 'bool' ? simdKernels(backend) : null;
  if (simd) {
    const [from, to] = [address(backend, x), address(backend, out)];
    for (let o = 0; o < outer; o++) simd.transpose(from + 4 * o * a * b, to + 4 * o * a * b, a, b);
    return out;
  }
  const dst = backend.typedArrayFromHeap(out);
  if (dst.length > 0) swapBlocks(backend.typedArrayFromHeap(x), dst, swap);
  return out;
}

/** A transpose as out[o, j, i, k] = x[o, i, j, k] for x viewed as [outer, a, b, inner]. */
export interface BlockSwap {
  outer: number;
  a: number;
  b: number;
  inner: number;
}

/**
 * `perm` of `shape` as a swap of two adjacent blocks of dimensions, or null if it is not one (three
 * or more blocks change order). Dimensions of size 1 move no data and are dropped; dimensions that
 * stay adjacent and in order are merged. A permutation that moves no data is a swap with a = b = 1.
 */
export function asBlockSwap(shape: readonly number[], perm: readonly number[]): BlockSwap | null {
  const kept = shape.flatMap((n, d) => (n === 1 ? [] : [d]));
  const order = perm.filter((d) => shape[d] !== 1).map((d) => kept.indexOf(d));
  // Runs of input dimensions that stay together, in output order.
  const runs: number[][] = [];
  for (const d of order) {
    const last = runs.at(-1);
    if (last && last.at(-1) === d - 1) last.push(d);
    else runs.push([d]);
  }
  const size = (run: number[]) => run.reduce((p, d) => p * shape[kept[d]], 1);
  // The position (in input order) of each output run.
  const rank = runs.map((run) => runs.filter((other) => other[0] < run[0]).length);
  const p = rank.findIndex((r, i) => r !== i);
  if (p < 0) return { outer: 1, a: 1, b: 1, inner: shape.reduce((x, y) => x * y, 1) };
  if (rank[p] !== p + 1 || rank[p + 1] !== p || rank.some((r, i) => i > p + 1 && r !== i)) return null;
  const product = (from: number, to: number) => runs.slice(from, to).reduce((x, run) => x * size(run), 1);
  // Runs p and p+1 are output-ordered: the input's block a is the output's run p+1.
  return { outer: product(0, p), a: size(runs[p + 1]), b: size(runs[p]), inner: product(p + 2, runs.length) };
}

/** The swap in tiles of 128 × 32 rows, the fastest of those tried on the step's shapes. */
function swapBlocks<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  dst: T,
  { outer, a, b, inner }: BlockSwap,
): void {
  const TILE_A = 128;
  const TILE_B = 32;
  const block = a * b * inner;
  for (let o = 0; o < outer; o++) {
    const base = o * block;
    for (let i0 = 0; i0 < a; i0 += TILE_A) {
      const i1 = Math.min(a, i0 + TILE_A);
      for (let j0 = 0; j0 < b; j0 += TILE_B) {
        const j1 = Math.min(b, j0 + TILE_B);
        for (let j = j0; j < j1; j++) {
          if (inner === 1) {
            for (let i = i0, s = base + i0 * b + j, d = base + j * a + i0; i < i1; i++, s += b, d++)
              dst[d] = src[s];
          } else {
            for (let i = i0; i < i1; i++) {
              const s = base + (i * b + j) * inner;
              const d = base + (j * a + i) * inner;
              if (inner < 32) for (let k = 0; k < inner; k++) dst[d + k] = src[s + k];
              else dst.set(src.subarray(s, s + inner), d);
            }
          }
        }
      }
    }
  }
}

let installed = false;

/** Idempotent; call after the WASM backend package is loaded (this module loads it). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  replaceKernel('Slice', (original) => (args) => sliceInPlace(args, original));
  replaceKernel('Transpose', (original) => (args) => transposeTiled(args, original));
  for (const [kernelName, shares] of SHARING)
    replaceKernel(kernelName, (original) => (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      return shares(x, args) ? shared(x, args) : original(args);
    });
}

/**
 * Registers `make(original)` as the WASM kernel `kernelName`, keeping the original's setup: the
 * fallbacks call into the module, which that setup binds.
 */
function replaceKernel(kernelName: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`installWasmKernels: the WASM backend has no ${kernelName} kernel`);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: make(original.kernelFunc),
    setupFunc: original.setupFunc,
  });
}
