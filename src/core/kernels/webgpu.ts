import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/**
 * Running our own WGSL programs on TF.js's WebGPU backend (`runWebGPUProgram`). Only types are
 * imported from the backend package, so this module loads in Node and on WASM/CPU, where every
 * caller takes its composite TF.js path instead.
 *
 * The programs are forward-only: `runWebGPUProgram` bypasses the kernel registry, so the autodiff
 * tape never sees them. Callers use them off the tape (evaluation, scoring) or inside a customGrad
 * that supplies the gradient (winograd-webgpu.ts).
 */

/** The uniform list `runWebGPUProgram` appends after the shapes (its `ProgramUniform`). */
export type ProgramUniforms = Array<{ type: 'int32' | 'float32' | 'uint32'; data: number[] }>;

let fusedEnabled = true;

/**
 * Turns the custom kernels off (true → composite TF.js ops everywhere). For the parity checks that
 * compare the two paths on the same backend; returns the previous setting.
 */
export function setFusedKernels(enabled: boolean): boolean {
  const prev = fusedEnabled;
  fusedEnabled = enabled;
  return prev;
}

/** Whether the custom kernels are on (they are unless `setFusedKernels(false)`). */
export function fusedKernelsOn(): boolean {
  return fusedEnabled;
}

/** The WebGPU backend when it is the active one and custom kernels are enabled, else null. */
export function fusedBackend(): WebGPUBackend | null {
  if (!fusedEnabled || tf.getBackend() !== 'webgpu') return null;
  return tf.backend() as unknown as WebGPUBackend;
}

/**
 * Whether no gradient is being recorded: the forward-only programs may then replace composite ops
 * whose gradient a tape would need. `gradientDepth`, not the tape's own check: inside a customGrad's
 * forward the kernel depth hides a recording tape.
 */
export function offTape(): boolean {
  return tf.engine().state.gradientDepth === 0;
}

/**
 * The WebGPU backend when the custom kernels are on and no gradient is recorded, else null: where a
 * forward-only program may replace composite ops whose gradient a tape would need.
 */
export function forwardOnlyBackend(): WebGPUBackend | null {
  return offTape() ? fusedBackend() : null;
}

/** Threads per workgroup of every flat program. */
const WORKGROUP: [number, number, number] = [64, 1, 1];

/**
 * A program with one invocation per output element, or `invocations` of them where each writes
 * several (the backend re-tiles past 65535 groups): subclasses name their inputs (`variableNames`)
 * and write `main(index)` in `getUserCode`.
 */
export abstract class FlatProgram implements WebGPUProgram {
  abstract variableNames: string[];
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP;
  size = true;

  constructor(
    public outputShape: number[],
    public shaderKey: string,
    invocations = outputShape.reduce((a, b) => a * b, 1),
  ) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(invocations / WORKGROUP[0]), 1, 1];
  }

  abstract getUserCode(): string;
}

/** Runs `program` on float32 inputs and wraps its output as a tracked tensor (tidy-safe). */
export function runProgram<T extends tf.Tensor>(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.Tensor[],
  uniforms?: ProgramUniforms,
): T {
  const info = backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/**
 * Runs `fn` and counts the GPU programs it dispatched on the WebGPU backend (the host pays per
 * dispatch, so this is what fusing kernels lowers); null on other backends. Every TF.js WebGPU
 * kernel and our own programs go through `runWebGPUProgram`; a reshape dispatches nothing.
 */
export async function countDispatches(fn: () => Promise<void>): Promise<number | null> {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as WebGPUBackend;
  const run = backend.runWebGPUProgram;
  let count = 0;
  backend.runWebGPUProgram = function (this: WebGPUBackend, ...args: Parameters<typeof run>) {
    count++;
    return run.apply(this, args);
  };
  try {
    await fn();
  } finally {
    backend.runWebGPUProgram = run;
  }
  return count;
}
