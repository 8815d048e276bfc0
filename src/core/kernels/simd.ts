import type * as tf from '@tensorflow/tfjs';
import { shared, unshared } from './simd.wat';

/**
 * simd.wat, the project's own WASM SIMD kernels, instantiated on TF.js's WASM memory so that they
 * read and write tensors in place: TF.js's kernels for the same work are scalar loops or missing.
 */

/** The module's exports: every argument a byte address in TF.js's memory, or a byte count. */
export interface SimdKernels {
  transpose(src: number, dst: number, rows: number, cols: number): void;
  /** `residual` 0: none. */
  scaleShift(
    x: number,
    scale: number,
    shift: number,
    residual: number,
    y: number,
    rows: number,
    bytes: number,
    relu: number,
  ): void;
  moments(x: number, mean: number, sums: number, rows: number, bytes: number): void;
  bnGradSums(...args: number[]): void;
  bnGradInput(...args: number[]): void;
  input(...addresses: number[]): void;
  output(...addresses: number[]): void;
  outputGrad(...addresses: number[]): void;
  filter(...addresses: number[]): void;
  filterAcross(...addresses: number[]): void;
  filterGrad(...addresses: number[]): void;
}

/** What the project's WASM kernels use of the WASM backend (public in tfjs-backend-wasm 4.22). */
export interface WasmHeap {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId): boolean;
}

let module: SimdKernels | null | undefined;

/** simd.wat bound to the backend's memory, made once; null if that fails (no SIMD, no memory). */
export function simdKernels(backend: WasmHeap): SimdKernels | null {
  if (module !== undefined) return module;
  try {
    // The multi-threaded build imports a shared memory; the others export their own.
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (!memory) throw new Error('no memory');
    const isShared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = Uint8Array.from(atob(isShared ? shared : unshared), (c) => c.charCodeAt(0));
    module = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
      .exports as unknown as SimdKernels;
  } catch {
    module = null;
  }
  return module;
}

/**
 * simd.wat for rows of `channels` floats: its loops take four channels per instruction, so null
 * where they do not come in fours (and where the module is not available); callers then run JS.
 */
export function simdFor(backend: WasmHeap, channels: number): SimdKernels | null {
  return channels % 4 === 0 ? simdKernels(backend) : null;
}

/** A tensor's byte address in the WASM memory. */
export const address = (
  backend: { typedArrayFromHeap(t: tf.TensorInfo): ArrayBufferView },
  t: tf.TensorInfo,
): number => backend.typedArrayFromHeap(t).byteOffset;

/** Whether the SIMD kernels run on `backend` (the WASM backend). */
export function simdReady(backend: unknown): boolean {
  return simdKernels(backend as WasmHeap) !== null;
}
