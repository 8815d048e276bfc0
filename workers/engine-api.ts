// The one typed contract between the UI thread and the engine worker (spoken over comlink).
// Types and tiny shared constants only: nothing here may import TF.js, React or DOM-only code,
// so both sides (and Node tests) can import it for free.

import type { ParityCommands } from './parity-api';
import type { ProbeCommands } from './probe-api';
import type { SessionCommands, SessionEvent } from './session-api';
import type { SpeedCommands } from './speed-api';

export type * from './session-api';
export type * from './parity-api';
export type * from './speed-api';
export type * from './probe-api';

/** Backends in the order the engine prefers them. */
export const BACKEND_ORDER = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];
export type BackendRequest = BackendName | 'auto';

/** URL query parameter that forces a backend, e.g. `?backend=wasm`. */
export const BACKEND_QUERY_PARAM = 'backend';

/** `Error.name` of the error a task rejects with after `cancel(taskId)`; comlink keeps `name`. */
export const CANCELLED_ERROR_NAME = 'CancelledError';

/** Bumped when the contract changes shape, so a stale worker bundle is noticed. */
export const ENGINE_API_VERSION = 2;

/** Plain copy of GPUAdapterInfo (the real object has prototype getters and does not clone). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The browser flags it as a fallback adapter (`isFallbackAdapter`): software or otherwise slow. */
  isFallbackAdapter: boolean;
}

/** The two backends automatic selection weighs against each other. */
export type ProbedBackend = 'webgpu' | 'wasm';

/** Median wall time (ms) of the probe workload (workers/backend-probe.ts) on each backend. */
export interface BackendProbe {
  /** Null where the backend could not run the probe. */
  webgpuMs: number | null;
  wasmMs: number | null;
  /** Date.now() when it was measured. */
  at: number;
}

/**
 * What decided the backend: `forced` by `?backend=`; `no-webgpu` (no usable adapter);
 * `software-adapter` (WebGPU would run on a CPU renderer, slower than WASM); `probe` (both timed
 * now); `remembered` (timed on an earlier load of this device); `failed` (the pick did not start).
 */
export type ChoiceBasis = 'forced' | 'no-webgpu' | 'software-adapter' | 'probe' | 'remembered' | 'failed';

export interface BackendChoice {
  basis: ChoiceBasis;
  /** Why, as a clause after the backend's name ("the WebGPU adapter is SwiftShader, a software fallback"). */
  reason: string;
  /** The timings behind `probe` and `remembered`; null otherwise. */
  probe: BackendProbe | null;
  /**
   * With a forced backend: what automatic selection picks on this device and why (backend null:
   * it would time both first). Null when automatic.
   */
  auto: { backend: BackendName | null; reason: string } | null;
}

/** Why a preferred backend was not used. */
export interface FallbackReason {
  backend: BackendName;
  reason: string;
}

export interface BackendInfo {
  apiVersion: number;
  /** Backend that runs every op from now on. */
  backend: BackendName;
  requested: BackendRequest;
  /** Why `backend` runs: forced, measured, remembered, or the faster one unavailable. */
  choice: BackendChoice;
  /** Every backend tried or weighed before `backend` (or forced off), with the reason it was passed over. */
  fallbacks: FallbackReason[];
  /** The WebGPU adapter the browser offers (whether or not it runs the ops); null when there is none. */
  adapter: AdapterSummary | null;
  /** As seen inside the worker (SharedArrayBuffer, hence WASM threads, needs it). */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /**
   * XNNPACK threads of the WASM backend (at most 8; workers/backend.ts lifts TF.js' cores / 2 cap);
   * null when wasm is not the active backend.
   */
  wasmThreads: number | null;
  wasmSimd: boolean | null;
  /** The threaded binary was loaded (needs cross-origin isolation). */
  wasmThreadedBuild: boolean | null;
  /** The project's own SIMD kernels (src/core/kernels/simd.wat) run on the WASM memory. */
  simdKernels: boolean | null;
  tfjsVersion: string;
  initMs: number;
}

export interface SelfTestResult {
  backend: BackendName;
  /** max |active - cpu| over the output. */
  maxAbsDiff: number;
  /** NHWC output shape. */
  outputShape: number[];
  /** Wall time of the active-backend run, including the read-back. */
  ms: number;
}

/** tf.memory() reduced to fields every backend reports (GPU bytes only on webgpu/webgl). */
export interface EngineMemory {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  numBytesInGPU: number | null;
  unreliable: boolean;
}

/** Identifies one long-running call; the caller chooses it so it can cancel before the call returns. */
export type TaskId = string;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type TaskState = 'started' | 'finished' | 'cancelled' | 'failed';

/** Everything the worker pushes to the UI. Discriminate on `type`; add variants, never reuse tags. */
export type EngineEvent =
  /** `etaMs`: the task's own estimate of the time left, where its steps differ too much in cost for a rate. */
  | { type: 'progress'; task: TaskId; done: number; total: number; message?: string; etaMs?: number }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'backend'; info: BackendInfo }
  | { type: 'task'; task: TaskId; state: TaskState; message?: string }
  | { type: 'device-lost'; backend: BackendName; reason: string; message: string }
  | RecoveryEvent
  | SessionEvent;

/**
 * Training, an evaluation or live scoring lost its device (training also: ran out of memory) and the
 * worker handles it: `recovering` when the failure is seen, then `resumed` (the work continues on
 * the model restored from `savedStep`) or `failed` (it stopped).
 */
export interface RecoveryEvent {
  type: 'recovery';
  runId: string;
  cause: 'device-lost' | 'out-of-memory';
  phase: 'recovering' | 'resumed' | 'failed';
  /** Step of the last saved checkpoint, where training restarts (0 = from the start). */
  savedStep: number;
  /** Step the run had reached when it failed (the steps after savedStep are redone). */
  failedStep: number;
  /** Backend that trains from now on (for `recovering`: the one that failed). */
  backend: BackendName;
  batchSize: number;
  /** A sentence for the user. */
  message: string;
  /** What was running when it failed; absent (older workers) means training. */
  activity?: RecoveryActivity;
}

/**
 * Work that recovers from a lost device: training steps, an evaluation, a live camera frame, the
 * memory explorer, a checkpoint export.
 */
export type RecoveryActivity = 'training' | 'evaluation' | 'scoring' | 'exploring' | 'exporting';

export type EngineListener = (event: EngineEvent) => void;

export interface InitOptions {
  /**
   * 'auto' (default) picks the faster of WebGPU and WASM on this device (workers/backend-choice.ts);
   * a name forces that backend and disables those above it.
   */
  backend?: BackendRequest;
  /** Test hook (automation only): time a software adapter against WASM instead of passing over it. */
  probeSoftware?: boolean;
}

/**
 * Long tasks take `{ taskId }` in their options, report `progress` events with that id and reject
 * with an error named CANCELLED_ERROR_NAME once `cancel(taskId)` was called (they stop at their
 * next checkpoint, between steps).
 */
export interface EngineApi extends SessionCommands, ProbeCommands, ParityCommands, SpeedCommands {
  /** Selects and initialises the backend; calling again re-selects. */
  init(opts: InitOptions): Promise<BackendInfo>;
  /** Null before init. */
  backendInfo(): Promise<BackendInfo | null>;
  /** A small seeded conv2d on the active backend compared against TF.js 'cpu'. */
  selfTestConv2d(): Promise<SelfTestResult>;
  memory(): Promise<EngineMemory>;
  /**
   * `listener` must be wrapped in `Comlink.proxy` by the caller (src/client/engine.ts does it).
   * Resolves to an id for `unsubscribe`.
   */
  subscribe(listener: EngineListener): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /** True when a task with that id was running and is now flagged to stop. */
  cancel(taskId: TaskId): Promise<boolean>;
  /**
   * Test hook (automation only; the UI never calls it): destroys the WebGPU device as a driver
   * reset would. False when no WebGPU device is active.
   */
  debugLoseDevice(): Promise<boolean>;
  /**
   * Test hook (automation only): holds the worker's thread for `ms` without yielding, as the WASM
   * backend does when it runs out of memory inside a kernel (it spins instead of aborting).
   */
  debugStall(ms: number): Promise<void>;
}
