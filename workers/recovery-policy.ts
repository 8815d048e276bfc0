// What the training loop does when a step fails for a reason outside the model: the GPU device was
// lost, or memory ran out. Pure decisions only (no TF.js, no DOM), so Node tests cover them.
import { CONFIG_SCHEMA, type TrainConfig } from '../src/core/config';

export type FailureKind = 'device-lost' | 'out-of-memory' | 'other';

/** Raised by the train guard when the WebGPU device went away under a running step. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(readonly reason: string) {
    super(`The GPU device was lost (${reason}).`);
  }
}

/** The smallest batch the trainer accepts (about half of each batch is synthetic anomalies). */
export const MIN_BATCH = CONFIG_SCHEMA.batchSize.min;

/** More recoveries than this in one train call means the failure is not transient: stop. */
export const MAX_RECOVERIES = 4;

/** TF.js' WASM build caps its linear memory at 4 GiB (emscripten MAXIMUM_MEMORY). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

const OOM_PATTERNS: readonly RegExp[] = [
  /out of memory/i,
  /\bOOM\b/,
  /Cannot enlarge memory/i,
  /Aborted\(/, // emscripten's abort: after init, TF.js' WASM module only aborts when malloc fails
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /Invalid array buffer length/i,
  /failed to allocate/i,
  /allocation.*failed/i,
];

const LOST_PATTERNS: readonly RegExp[] = [
  /device (is |was |has been )?lost/i,
  /\bdestroyed\b.*device|device.*\bdestroyed\b/i,
  /instance (was )?dropped/i,
];

function describe(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  if (typeof err === 'object' && err !== null) {
    const e = err as { name?: unknown; message?: unknown; constructor?: { name?: unknown } };
    const name = typeof e.name === 'string' ? e.name : String(e.constructor?.name ?? '');
    return { name, message: typeof e.message === 'string' ? e.message : '' };
  }
  return { name: '', message: String(err) };
}

/**
 * Why a training step failed. `deviceLost` says whether the WebGPU device was seen lost meanwhile:
 * then every failure is the loss, whatever its message (reads from a lost device fail in many ways).
 */
export function classifyFailure(err: unknown, deviceLost = false): FailureKind {
  if (deviceLost || err instanceof DeviceLostError) return 'device-lost';
  const { name, message } = describe(err);
  if (name === 'DeviceLostError') return 'device-lost';
  // GPUOutOfMemoryError comes from pushErrorScope('out-of-memory'); its class name is the signal.
  if (name === 'GPUOutOfMemoryError') return 'out-of-memory';
  if (LOST_PATTERNS.some((p) => p.test(message))) return 'device-lost';
  if (name === 'RangeError' && /memory|allocat|length/i.test(message)) return 'out-of-memory';
  if (OOM_PATTERNS.some((p) => p.test(message))) return 'out-of-memory';
  return 'other';
}

/** Half the batch, never below MIN_BATCH; null when `batch` is already the smallest. */
export function reducedBatch(batch: number, min: number = MIN_BATCH): number | null {
  if (batch <= min) return null;
  return Math.max(min, Math.floor(batch / 2));
}

/** Lighter settings that need less memory than `config`, most effective first. */
export function whatFits(config: TrainConfig): string[] {
  const out: string[] = [];
  const smaller = config.imageSize > 64 ? Math.max(64, config.imageSize / 2) : null;
  if (smaller) out.push(`a smaller image size (${smaller} px instead of ${config.imageSize} px)`);
  if (config.teacher !== 'mobilenet_v2' && config.teacher !== 'efficientnet_b0')
    out.push('a lighter teacher (mobilenet_v2 or efficientnet_b0)');
  if (config.model === 'dmgrd') {
    out.push('plain RD (no memory banks or MSFF)');
    if (config.memoryItems > 10) out.push(`fewer memory items (10 instead of ${config.memoryItems})`);
  }
  if (out.length === 0) out.push('a machine with more memory');
  return out;
}

export type OomDecision =
  { action: 'retry'; batchSize: number; message: string } | { action: 'stop'; message: string };

/** What to do after a step ran out of memory at `config.batchSize`. */
export function onOutOfMemory(config: TrainConfig): OomDecision {
  const next = reducedBatch(config.batchSize);
  if (next !== null) {
    return {
      action: 'retry',
      batchSize: next,
      message: `Out of memory at batch ${config.batchSize}; continuing at batch ${next}.`,
    };
  }
  return {
    action: 'stop',
    message:
      `Out of memory even at batch ${config.batchSize}, the smallest batch. ` +
      `What fits: ${whatFits(config).join('; or ')}.`,
  };
}

/**
 * Float32 copies of each trainable parameter the WASM heap holds through a training step: the
 * weights. XNNPACK's packed filters are transient while training (src/core/nn/conv.ts), each
 * gradient goes to Adam as soon as it is final, and Adam's moments live in JS memory
 * (src/core/train/adam.ts).
 */
const HEAP_COPIES_PER_PARAM = 1;

/**
 * Rough lower bound of the training memory in the WASM heap: the parameter copies above plus the
 * activations the tape keeps, taken as `perPixel` floats per input pixel and image.
 */
export function estimateTrainingBytes(trainableParams: number, config: TrainConfig, perPixel = 560): number {
  const parameters = trainableParams * 4 * HEAP_COPIES_PER_PARAM;
  const activations = config.batchSize * config.imageSize * config.imageSize * perPixel * 4;
  return parameters + activations;
}

/**
 * A warning before training when the estimate is unlikely to fit the WASM heap; null when it may.
 * The estimate is a lower bound: the teacher, the memory banks, transient buffers and heap
 * fragmentation come on top, so more than 40% of the heap is taken as "will not fit". Calibrated on
 * measured runs at 256 px (docs/performance.md): DM-GRD with WRN50 (195.8 M parameters, 30 memory
 * items) trains at batch 2 with a 3.9 GB heap, plain RD with WRN50 at batch 8; DM-GRD with ResNet50
 * (158.7 M) at batch 8 ran out of memory and is over the line, as is WRN50 at batch 8.
 */
export function wasmPreflight(trainableParams: number, config: TrainConfig): string | null {
  const need = estimateTrainingBytes(trainableParams, config);
  if (need < WASM_HEAP_BYTES * 0.4) return null;
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  const batch = reducedBatch(config.batchSize);
  const fits = [
    ...(batch === null ? [] : [`a smaller batch (${batch} instead of ${config.batchSize})`]),
    ...whatFits(config),
    'the WebGPU backend, where the browser has one',
  ];
  return (
    `This configuration probably will not fit the ${gib(WASM_HEAP_BYTES)} the WASM backend can address. ` +
    `Its weights and activations are estimated at ${gib(need)}; the teacher, the memory banks, ` +
    `transient buffers and heap fragmentation take the rest, and measured runs ran out of memory once ` +
    `weights and activations passed ${gib(WASM_HEAP_BYTES * 0.4)} (40% of the heap). This is an ` +
    `estimate, so training can still be started. What fits: ${fits.join('; or ')}.`
  );
}
