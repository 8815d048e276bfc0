// The golden-parity part of the engine contract (engine-api.ts extends it). Types only.
import type { ParityReport } from '../src/core/parity/compare';
import type { KernelTiming } from '../src/core/kernels/checks';

export type { ErrorKind, ParityReport } from '../src/core/parity/compare';
export type { KernelTiming } from '../src/core/kernels/checks';

/** A golden fixture file as read from disk: `.safetensors` or `.safetensors.gz` bytes. */
export interface ParityFixtureFile {
  /** File name, e.g. `backbone_resnet18.safetensors.gz` (gzip is detected from the bytes). */
  name: string;
  bytes: Uint8Array;
}

export interface ParityCommands {
  /**
   * Runs the forward-pass golden checks (src/core/parity) of the given fixtures on the active
   * backend, in the worker. Call after init(). Resolves with one report per compared tensor.
   */
  runParity(fixtures: ParityFixtureFile[]): Promise<ParityReport[]>;

  /**
   * Compares the custom WebGPU kernels (src/core/kernels) with the composite TF.js ops they
   * replace, on the active backend, with small random inputs. One report per kernel and shape.
   */
  runKernelChecks(): Promise<ParityReport[]>;

  /**
   * Median wall times of the scoring path with and without the custom kernels on the active
   * backend (random resnet18-shaped features). A measurement aid, not a check.
   */
  timeKernels(size?: number, batch?: number, reps?: number): Promise<KernelTiming[]>;
}
