/**
 * Named starting points for the training form, declared once and read by the worker, the UI and
 * the benchmark runner (`--preset`). Quick and Standard are time budgets: their step count comes
 * from the measured time per step of their configuration on this device, so the run takes about
 * as long as they say on a fast GPU and on a 2-core CPU alike. Paper is the reference run.
 */
import { validateConfig, type TeacherName, type TrainConfig } from './config';
import { stepsWithin, type StepTiming } from './perf/run-time';

export const PRESET_NAMES = ['quick', 'standard', 'paper'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The Train panel opens with this one. */
export const DEFAULT_PRESET: PresetName = 'standard';

/** A timed preset trains at least this many steps, however slow the device (the estimate says how long). */
export const MIN_PRESET_STEPS = 10;

interface PresetSpec {
  label: string;
  /** One line for the picker. */
  summary: string;
  /** Wall time of the run from Start to its last step, in minutes; null for a fixed step count. */
  minutes: number | null;
  /** Every option it sets; the schema defaults (the reference behaviour) fill the rest. */
  options: Partial<TrainConfig>;
  /** What the steps assume until this device is measured (see NOMINAL); null for a fixed step count. */
  nominal: StepTiming | null;
}

/**
 * The light-teacher recipe for a short run: DM-GRD with EfficientNet-B0 at batch 4, peak learning
 * rate 0.005 with 10 % warm-up, and final BatchNorm statistics averaged over 32 training batches.
 * Without those, the running averages of the last few batch-4 steps decide the eval-mode maps, and
 * on bottle at 256 px they can light one place of every image: this recipe's 360-step run scores
 * P-AUROC 83.8 with the running averages and 98.2 with the average (docs/results.md).
 */
const SHORT_RUN: Partial<TrainConfig> = {
  model: 'dmgrd',
  teacher: 'efficientnet_b0',
  batchSize: 4,
  lr: 0.005,
  minLr: 1e-4,
  warmupFraction: 0.1,
  memoryItems: 30,
  gradNormEvery: 25,
  statsBatches: 32,
};

/**
 * A 2-core CPU on WASM, for the minute or so before the probe of this device replaces it: Standard's
 * 1.81 s per step is the documented figure above; the rest is scaled from it by the ratios the
 * probe measured on such a machine (2026-12-06, the bottle folder at 256 px, under a load average of
 * 15–20, which slowed every step several times over but not their ratios much): a 128 px step about
 * a quarter of a 256 px one, a step with the norms about 30 % longer, setup about two steps.
 */
const NOMINAL: Record<'quick' | 'standard', StepTiming> = {
  quick: { setupMs: 1_600, stepMs: 450, gradStepMs: 560 },
  standard: { setupMs: 4_000, stepMs: 1_810, gradStepMs: 2_350 },
};

export const PRESETS: Record<PresetName, PresetSpec> = {
  quick: {
    label: 'Quick',
    summary: 'About 2 minutes: the short-run recipe at 128 px.',
    minutes: 2,
    options: { ...SHORT_RUN, imageSize: 128 },
    nominal: NOMINAL.quick,
  },
  standard: {
    label: 'Standard',
    summary: 'About 10 minutes: the short-run recipe at 256 px.',
    minutes: 10,
    options: { ...SHORT_RUN, imageSize: 256 },
    nominal: NOMINAL.standard,
  },
  paper: {
    label: 'Paper',
    summary:
      'The reference run: 5000 steps, batch 8, 256 px, a ResNet50-class teacher, every reference switch.',
    minutes: null,
    options: {
      model: 'dmgrd',
      imageSize: 256,
      batchSize: 8,
      steps: 5000,
      lr: 0.005,
      minLr: 1e-4,
      warmupFraction: 0.1,
      memoryItems: 30,
      seed: 111,
      paperLambda: false,
      paperBeta: false,
      paperKdPerPixel: false,
      paperSelect: false,
      paperSinkhorn: false,
      paperTriplet: false,
    },
    nominal: null,
  },
};

export interface PresetContext {
  /** This configuration's measured time on this device; the preset's nominal time when absent. */
  timing?: StepTiming | null;
  /** The teacher the engine holds (an imported wide_resnet50_2 makes Paper use it). */
  loadedTeacher?: TeacherName | null;
}

/**
 * The reference's WideResNet50-2 when its imported weights are loaded, else ResNet50 (served, of
 * the same class: layer1–3 of 256/512/1024 channels).
 */
export function paperTeacher(loaded: TeacherName | null | undefined): TeacherName {
  return loaded === 'wide_resnet50_2' ? 'wide_resnet50_2' : 'resnet50';
}

/** The full configuration of a preset; a timed preset's steps fit its minutes at `ctx.timing`. */
export function presetConfig(name: PresetName, ctx: PresetContext = {}): TrainConfig {
  const spec = PRESETS[name];
  const options: Partial<TrainConfig> = { ...spec.options };
  if (name === 'paper') options.teacher = paperTeacher(ctx.loadedTeacher);
  const config = validateConfig(options);
  const timing = ctx.timing ?? spec.nominal;
  if (spec.minutes !== null && timing)
    config.steps = stepsWithin(spec.minutes * 60, timing, config, MIN_PRESET_STEPS);
  return config;
}

/**
 * The options `name` sets, for a runner that fits the steps itself (the benchmark's `--minutes`):
 * every option but a timed preset's steps.
 */
export function presetOptions(name: PresetName, ctx: PresetContext = {}): Partial<TrainConfig> {
  const { steps, ...rest } = presetConfig(name, ctx);
  return PRESETS[name].minutes === null ? { ...rest, steps } : rest;
}

/** A timed preset: its minutes; null for a fixed step count. */
export const presetMinutes = (name: PresetName): number | null => PRESETS[name].minutes;

export const isPresetName = (v: unknown): v is PresetName =>
  typeof v === 'string' && (PRESET_NAMES as readonly string[]).includes(v);
