// The speed-benchmark part of the engine contract (engine-api.ts extends it). Types only.
import type { TeacherName, TrainedModel } from '../src/core/config';
import type { OpProfileRow } from '../src/core/perf/flops';
import type { BackendName, TaskId } from './engine-api';

export type { OpProfileRow } from '../src/core/perf/flops';

/** One teacher × method × size case. */
export interface SpeedCaseSpec {
  teacher: TeacherName;
  method: TrainedModel;
  imageSize: number;
  /** Batches whose inference time is measured (e.g. [1, 8]). */
  inferBatches: number[];
  /** Batch of the timed training steps; 0 skips training. */
  trainBatch: number;
  /** Timed runs after one warm-up run; the median is reported. */
  repeats: number;
  /** Memory items per bank (DM-GRD). */
  memoryItems: number;
  /**
   * 'served': the TF.js weights served under /teachers/ (resnet50 = Keras, mobilenet_v2, ...);
   * 'random': a randomly initialised torchvision ResNet (resnet50 / wide_resnet50_2 only).
   */
  weights: 'served' | 'random';
  /** Also profile one inference (largest batch) and one training step with tf.profile. */
  profile: boolean;
  /** TF.js environment flags set for this case only, e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 60. */
  tfFlags: Record<string, number | boolean>;
  seed: number;
}

/** A timed phase: median and every run, in ms (per image for inference, per step for training). */
export interface Timing {
  median: number;
  runs: number[];
  warmup: number;
}

export interface ProfileSummary {
  /** Σ 2·MAC of the profiled run (src/core/perf/flops.ts). */
  flops: number;
  /** FLOPs / median wall time of the phase, in GFLOP/s. */
  gflops: number;
  /** MAC kernels (convs, matmuls) alone: FLOPs / their own kernel ms. */
  macGflops: number;
  /** Calls of at least HEAVY_FLOPS each: FLOPs / their own kernel ms. */
  heavy: { calls: number; flops: number; ms: number; gflops: number };
  /** Σ kernel ms in the profile (excludes JS overhead between kernels). */
  kernelMs: number;
  /** tf.profile's peakBytes: the largest tf.memory().numBytes seen during the run. */
  peakBytes: number;
  /** Top kernels by Σ kernel ms. */
  top: OpProfileRow[];
  kernels: number;
}

export interface InferenceResult {
  batch: number;
  /** ms per image (batch time / batch). */
  msPerImage: Timing;
  /** ms per batch. */
  msPerBatch: Timing;
  /**
   * Median ms of the timed runs until the scoring call returned, before its result was awaited:
   * the host's share. On WebGPU, near msPerBatch means the GPU waits on the host issuing kernels.
   */
  issueMsPerBatch: number;
  /** GPU programs one batch dispatches (WebGPU; null elsewhere): the host's work, per call. */
  dispatches: number | null;
}

export interface SpeedCaseResult {
  spec: SpeedCaseSpec;
  backend: BackendName;
  teacherWeights: string;
  teacherChannels: number[];
  trainableParams: number;
  setupMs: number;
  inference: InferenceResult[];
  /** ms per training step at spec.trainBatch; null when skipped. */
  training: Timing | null;
  /** tf.profile of one inference at the largest batch. */
  inferProfile: ProfileSummary | null;
  /** tf.profile of one training step. */
  trainProfile: ProfileSummary | null;
  memory: {
    /** Largest tf.memory().numBytes sampled (after each run) or from the profiles. */
    peakBytes: number;
    peakBytesInGPU: number | null;
    /** WASM heap size at the end (the heap only grows, so this is its peak). */
    wasmHeapBytes: number | null;
  };
}

export interface PeakResult {
  backend: BackendName;
  /** Square matmul n×n·n×n: the fastest of `matmulSizes` (the backend's best large-matmul rate). */
  matmul: { n: number; flops: number; ms: Timing; gflops: number };
  /** Every size tried (512, 1024, ... up to the requested n). */
  matmulSizes: { n: number; flops: number; ms: Timing; gflops: number }[];
  /** 3x3 'same' conv [b,h,w,c] -> c. */
  conv: { shape: number[]; flops: number; ms: Timing; gflops: number };
  wasmThreads: number | null;
}

export interface SpeedCommands {
  /** Measures one case (see SpeedCaseSpec) on the active backend. Call after init(). */
  benchSpeed(spec: SpeedCaseSpec, opts: { taskId: TaskId }): Promise<SpeedCaseResult>;
  /** The backend's own large-matmul and 3x3-conv throughput. */
  benchPeak(opts: { taskId: TaskId; matmulN?: number; repeats?: number }): Promise<PeakResult>;
}
