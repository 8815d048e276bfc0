// The dataset / training / results part of the engine contract (see engine-api.ts, which extends
// it). Types only: plain data, typed arrays and ImageBitmaps cross the boundary, never tensors.
import type { TrainConfig } from '../src/core/config';
import type { DatasetFingerprint } from '../src/core/data/fingerprint';
import type { DatasetCounts, DatasetLayout, Problem } from '../src/core/data/layout';
import type { TypeMetrics } from '../src/core/metrics/per-type';
import type { LossTerm, StepReport } from '../src/core/train/trainer';
import type { DemoCategory } from '../src/core/demo/surfaces';
import type { ExportItem, ExportKind, ExportPlan } from '../src/core/export/plan';
import type { ResultsChoices } from '../src/report/types';

export type {
  LossTerm,
  StepReport,
  TrainConfig,
  Problem,
  DemoCategory,
  TypeMetrics,
  DatasetFingerprint,
  ExportItem,
  ExportKind,
  ExportPlan,
  ResultsChoices,
};

/** A file picked or dropped by the user; `path` is relative to the dropped folder's parent. */
export interface InputFile {
  path: string;
  file: Blob;
}

export interface DatasetImageInfo {
  path: string;
  split: 'train' | 'test';
  defectType: string;
  label: 0 | 1;
  hasMask: boolean;
}

export interface DatasetSummary {
  layout: DatasetLayout;
  category: string;
  categories: string[];
  /** Side of the stored square images (the model input size is resized from these). */
  size: number;
  counts: DatasetCounts;
  /** Layout problems and per-file decode problems; none of them aborted the load. */
  problems: Problem[];
  train: DatasetImageInfo[];
  test: DatasetImageInfo[];
  textures: number;
  /** What a run trained on it records, to check a folder picked again for that run. */
  fingerprint: DatasetFingerprint;
}

export interface LoadDatasetOptions {
  taskId: string;
  /** Stored image side (default 256). */
  size?: number;
  /** Which category to index when several were dropped. */
  category?: string;
  /**
   * The dataset a run was trained on: a folder holding other images is refused (before decoding)
   * and the loaded dataset stays.
   */
  expect?: DatasetFingerprint;
}

export interface LoadDemoDatasetOptions {
  taskId: string;
  /** Same seed, size and category → the same images (default seed 1). */
  seed?: number;
  /** Stored image side (default 128). */
  size?: number;
  /** Which generated part (default 'wood'). */
  category?: DemoCategory;
  /** Skip (resolve to null) when a user dataset is loaded or loading: the start page's auto-load. */
  onlyIfEmpty?: boolean;
}

/** Scales of the last evaluation, so a live frame is coloured and judged like the test images. */
export interface FrameReference {
  mapMin: number;
  mapMax: number;
  /** Image score above which a test image counted as anomalous (best-F1 threshold). */
  imageThreshold: number;
  /** Map value above which a pixel counted as anomalous (best-F1 threshold). */
  pixelThreshold: number;
}

export interface FrameScore {
  /** Blurred anomaly map [size*size] of the centre square of the frame. */
  map: Float32Array;
  size: number;
  score: number;
  /** Worker time for this frame (resize, forward pass, read-back). */
  ms: number;
  /** Null before the model was evaluated. */
  reference: FrameReference | null;
}

export interface SynthPreviewOptions {
  /** Index into the training images. */
  index: number;
  seed: number;
  /** Fixed blend opacity beta / amplitude weight lambda instead of random draws. */
  beta?: number;
  lam?: number;
}

/** The stages of one synthetic anomaly, as displayable bitmaps plus the drawn parameters. */
export interface SynthPreview {
  source: ImageBitmap;
  texture: ImageBitmap;
  fourierMix: ImageBitmap;
  perlinMask: ImageBitmap;
  result: ImageBitmap;
  beta: number;
  lam: number;
  perlinRes: [number, number];
  angleDeg: number;
}

export interface SessionInfo {
  runId: string;
  config: TrainConfig;
  /** Steps taken so far: optimiser steps, or PatchCore's images embedded plus coreset centres. */
  step: number;
  /** Steps of the whole run: `config.steps`, or PatchCore's training images plus coreset size. */
  totalSteps: number;
  parameters: number;
  teacherChannels: [number, number, number];
  /** Dataset image index (train) of each memory slot, normal and abnormal bank (DM-GRD only). */
  memorySources: { normal: number[]; abnormal: number[] } | null;
  notes: string[];
}

export interface TrainOptions {
  taskId: string;
  /**
   * Train until this many total steps (default config.steps; more trains a finished run further).
   * Cancel the task to pause.
   */
  untilStep?: number;
  /**
   * Save the run with a checkpoint every this many steps; 0 = only when training ends. The last
   * step is always saved (finished, paused, failed), each save announced by a `checkpoint` event.
   */
  checkpointEvery?: number;
  /** Re-score a few fixed images between steps and send `live-maps` events; absent = off. */
  live?: LiveMapsOptions;
}

export interface LiveMapsOptions {
  /** How many images (default 6): test images, or training images with synthetic anomalies. */
  images?: number;
  /** Most of the training time the scoring may take (default 0.1). */
  maxShare?: number;
  /** Least time between two scorings in ms (default 3000). */
  minGapMs?: number;
  /**
   * Keep the weights of the step with the best live P-AUROC (I-AUROC without masks) and restore
   * them when training finishes. On test images this picks on the test set (the reference's
   * protocol): its figures are optimistic.
   */
  keepBest?: boolean;
}

export interface LiveMapsItem {
  split: 'test' | 'train';
  /** Index in that split of the dataset. */
  index: number;
  label: 0 | 1;
  /** Defect type, 'synthetic' or 'good'. */
  kind: string;
}

/** One re-scoring of the live images during training. */
export interface LiveMapsEvent {
  type: 'live-maps';
  runId: string;
  step: number;
  /** Test images, or training images with synthetic anomalies (which the model also trains on). */
  source: 'test' | 'synthetic';
  /** Side of each map (the model's input size). */
  size: number;
  /** Side of the images and masks (the dataset's stored size). */
  storedSize: number;
  items: LiveMapsItem[];
  /** Blurred anomaly maps [items*size*size]. */
  maps: Float32Array;
  scores: number[];
  /** Over these few images only; null where a class is missing. */
  imageAuroc: number | null;
  pixelAuroc: number | null;
  /** Scoring time over training time so far. */
  overhead: number;
  /** With keepBest: the step whose weights are kept so far. */
  keptStep: number | null;
  /** First event of a training call only: the images as RGBA [storedSize²·4] and their masks. */
  images?: Uint8ClampedArray[];
  masks?: (Uint8Array | null)[];
}

export interface TrainResult {
  step: number;
  /** True when stopped by cancel before reaching `untilStep`. */
  paused: boolean;
}

export interface CurvePoints {
  x: number[];
  y: number[];
}

export interface MetricsSummary {
  imageAuroc: number;
  pixelAuroc: number;
  /** PRO integrated over FPR [0,1] (what the reference code reports). */
  proFullRange: number;
  /** PRO integrated up to FPR 0.3 and divided by 0.3 (MVTec / RD / PatchCore convention). */
  proMvtec03: number;
  f1Image: { f1: number; threshold: number };
  f1Pixel: { f1: number; threshold: number };
}

export interface EvaluationSummary {
  /** The saved run the evaluated model belongs to (Runs tab), or null (an imported checkpoint). */
  runId: string | null;
  /** The evaluated model's configuration. */
  config: TrainConfig;
  step: number;
  metrics: MetricsSummary;
  roc: CurvePoints;
  rocPixel: CurvePoints;
  pro: CurvePoints;
  /** Per test image, in dataset order. */
  scores: number[];
  labels: number[];
  /** Normal-bank slot selected per test image (-1 for RD). */
  selected: number[];
  /** Image AUROC, pixel AUROC and PRO of each defect type against the normal test images. */
  perType: Record<string, TypeMetrics>;
  msPerImage: number;
}

/** What an export follows from the UI: the Results tab's thresholds (report, web package) and overlay style (report). */
export interface ExportChoices {
  results?: ResultsChoices;
}

export interface ExportFileOptions extends ExportChoices {
  taskId: string;
}

export interface ExportedFile {
  fileName: string;
  blob: Blob;
}

export interface HeatmapData {
  /** Side of the stored test image; the map and mask are given at this size too. */
  size: number;
  /** Side the model computed the map at (its input size), before it was resized to `size`. */
  mapSize: number;
  /** The test image as RGBA bytes [size,size,4]. */
  image: Uint8ClampedArray;
  /** Blurred anomaly map [size,size]. */
  map: Float32Array;
  /** Ground truth [size,size] 0/1, or null. */
  mask: Uint8Array | null;
  score: number;
  /** Range of all maps of the evaluation, for a shared colour scale. */
  mapMin: number;
  mapMax: number;
}

/** A test image's anomaly map made small, to colour a thumbnail of the image. */
export interface MapThumbnail {
  px: number;
  /** [px, px], averaged down from the model's map. */
  map: Float32Array;
  /** Range of all maps of the evaluation, for a shared colour scale. */
  mapMin: number;
  mapMax: number;
}

/** Per bank: how similar the query is to each memory item, over the image and per pixel. */
export interface BankExploration {
  /** Train-image index of each slot. */
  sources: number[];
  /** Image-level similarity per item (pixel-aligned cosine, mean over pixels and levels), [L]. */
  image: number[];
  /** Per level: pixel-aligned cosine maps [L*h*w] and their size. */
  levels: { h: number; w: number; cos: Float32Array }[];
  /** Slot the model selected for this image, and what the selection was ranked by. */
  selected: number;
  ranking: number[];
  /** Per level, the difference map sum_c (Mu[selected] - F)^2, [h*w]. */
  difference: { h: number; w: number; map: Float32Array }[];
}

export interface MemoryExploration {
  testIndex: number;
  normal: BankExploration;
  abnormal: BankExploration;
  /** Set in reference mode: the argmin of sorted top-k blocks can only pick these slots. */
  degenerate: { reachableSlots: number[]; message: string } | null;
}

/**
 * Where a run stands. `training`: a page is training it (or was, until it closed mid-run);
 * `paused`: cancelled by Pause before its last step; `stopped`: ended by Stop (or the demo's time
 * budget) before its last step; `finished`: reached the step it trained to; `failed`: training threw.
 * Every status but `training` has the run's last step in its checkpoint (unless that save failed).
 */
export type RunStatus = 'training' | 'paused' | 'stopped' | 'finished' | 'failed';

/** A run saved in IndexedDB: what it trained on and how, its last checkpoint and its metrics. */
export interface RunRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  dataset: string;
  /** The dataset it trained on; absent in runs saved before fingerprints existed. */
  datasetFingerprint?: DatasetFingerprint;
  /** Backend of its last training or evaluation ('wasm', 'webgpu', ...). */
  backend?: string;
  config: TrainConfig;
  step: number;
  /**
   * The step its last training call trained towards: `config.steps`, or more for a run trained
   * further (the schedule's last learning rate holds beyond `config.steps`).
   */
  targetStep?: number;
  history: StepReport[];
  /** Of its last evaluation. */
  metrics: MetricsSummary | null;
  /** Whether a checkpoint is stored (resumable). Set by the run store, never ahead of what is stored. */
  hasCheckpoint: boolean;
  /** Step of the stored checkpoint (what a resume restores); `step` may be later (e.g. a failed save). */
  checkpointStep?: number;
  status: RunStatus;
}

export interface SessionCommands {
  /**
   * Reads, detects the layout of and decodes a dropped / picked folder. Per-file problems never
   * abort; a folder that is not a dataset (or not `opts.expect`) is refused and changes nothing.
   */
  loadDataset(files: InputFile[], opts: LoadDatasetOptions): Promise<DatasetSummary>;
  /** Generates the built-in demo dataset (no files needed) and makes it the current dataset. */
  loadDemoDataset(opts: LoadDemoDatasetOptions): Promise<DatasetSummary | null>;
  /**
   * Scores one camera frame with the current model (its centre square, resized to the model input).
   * Transfer the bitmap (Comlink.transfer); the worker closes it.
   */
  scoreFrame(frame: ImageBitmap): Promise<FrameScore>;
  /** Texture images for the Fourier mix (e.g. DTD); replaces the built-in procedural textures. */
  loadTextures(files: InputFile[], opts: { taskId: string }): Promise<{ count: number; problems: Problem[] }>;
  /** A thumbnail of a dataset image (split index as in DatasetSummary). */
  thumbnail(split: 'train' | 'test', index: number, size: number): Promise<ImageBitmap>;
  synthPreview(opts: SynthPreviewOptions): Promise<SynthPreview>;
  /**
   * Loads the teacher, creates the network and builds the memory banks (progress events); for
   * PatchCore, the unfitted memory (`train` fits it).
   */
  createSession(config: Partial<TrainConfig>, opts: { taskId: string }): Promise<SessionInfo>;
  sessionInfo(): Promise<SessionInfo | null>;
  /**
   * Trains, emitting a `step` event per step; cancel the task to pause, call again to resume.
   * PatchCore is fitted instead: `progress` events count its images, then its coreset centres.
   */
  train(opts: TrainOptions): Promise<TrainResult>;
  evaluate(opts: { taskId: string }): Promise<EvaluationSummary>;
  heatmap(testIndex: number): Promise<HeatmapData>;
  /** One test image's anomaly map at `px` x `px` (for the results grid), with the shared range. */
  mapThumbnail(testIndex: number, px: number): Promise<MapThumbnail>;
  explore(testIndex: number): Promise<MemoryExploration>;
  /** The whole model (weights, memory banks, optimiser, config, metrics) as one safetensors file. */
  exportCheckpoint(): Promise<Uint8Array>;
  importCheckpoint(bytes: Uint8Array, opts: { taskId: string }): Promise<SessionInfo>;
  /** What an export will write (its files, what they hold, their sizes), before anything is written. */
  exportPlan(kind: ExportKind, choices?: ExportChoices): Promise<ExportPlan>;
  /** Writes an export as one file, with progress events; cancelling the task stops it. */
  exportFile(kind: ExportKind, opts: ExportFileOptions): Promise<ExportedFile>;
  /**
   * Inspects a model trained with the authors' PyTorch code: `checkpoint` is their `best_model.pt`
   * (msff / student / bn state dicts), `teacher` the torchvision weights of its backbone
   * (wide_resnet50_2, resnet18 or resnet34; .pth or .safetensors). The memory banks are rebuilt from
   * the loaded dataset's training images, as the reference does at start-up.
   */
  importReference(
    files: { checkpoint: InputFile; teacher: InputFile },
    opts: { taskId: string; imageSize?: number; memoryItems?: number },
  ): Promise<SessionInfo>;
  /**
   * Makes torchvision weights (resnet18, resnet34 or wide_resnet50_2; .pth or .safetensors) the
   * teacher createSession uses for that architecture, whose weights are not served. A model built on
   * the previous teacher is dropped.
   */
  loadTeacherWeights(file: InputFile, opts: { taskId: string }): Promise<{ teacher: TrainConfig['teacher'] }>;
  listRuns(): Promise<RunRecord[]>;
  deleteRun(id: string): Promise<void>;
  /**
   * Re-creates the session of a saved run from its last checkpoint, to evaluate, explore, export or
   * train further. Its dataset must be loaded (same fingerprint, same stored size), else it refuses
   * and changes nothing.
   */
  openRun(id: string, opts: { taskId: string }): Promise<SessionInfo>;
  /**
   * Ends the current run by Stop (its training task already cancelled): saved as `stopped` with
   * its last step, or `finished` if it had reached its target.
   */
  stopRun(): Promise<SessionInfo>;
}

/** Events of the session commands (part of EngineEvent). */
export type SessionEvent =
  | {
      type: 'step';
      runId: string;
      report: StepReport;
      totalSteps: number;
      /** tf.memory().numTensors right after the step: constant over a healthy run (soak test). */
      numTensors?: number;
    }
  | { type: 'checkpoint'; runId: string; step: number }
  /** A save of the run failed (e.g. storage quota): training goes on, the last stored checkpoint stays. */
  | { type: 'checkpoint-failed'; runId: string; step: number; message: string }
  | { type: 'evaluation'; runId: string; summary: EvaluationSummary }
  | LiveMapsEvent;
