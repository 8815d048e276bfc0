/**
 * The one declaration of every training / model option: default, range and description. The worker
 * validates against it, the UI generates its form from it, and the CLI parses flags with it.
 * Where the paper and the authors' reference code differ (METHOD.md), the option is named after the
 * difference and defaults to the reference behaviour.
 */

export const TEACHERS = [
  'resnet50',
  'efficientnet_b0',
  'mobilenet_v2',
  'resnet18',
  'resnet34',
  'wide_resnet50_2',
] as const;
export type TeacherName = (typeof TEACHERS)[number];

/**
 * Teachers whose TF.js weights the app serves under /teachers/ (`npm run weights`). The others are
 * torchvision ResNets whose weights cannot be fetched here: they need an imported checkpoint.
 */
export const SERVED_TEACHERS = [
  'resnet50',
  'efficientnet_b0',
  'mobilenet_v2',
] as const satisfies readonly TeacherName[];

export const needsImportedWeights = (teacher: TeacherName): boolean =>
  !(SERVED_TEACHERS as readonly TeacherName[]).includes(teacher);

export const MODELS = ['dmgrd', 'rd', 'patchcore'] as const;
export type ModelKind = (typeof MODELS)[number];
/** The models trained by gradient descent (PatchCore is fitted without training). */
export const TRAINED_MODELS = ['dmgrd', 'rd'] as const satisfies readonly ModelKind[];
export type TrainedModel = (typeof TRAINED_MODELS)[number];

/** The model of `config` where a trained network is required; throws for PatchCore. */
export function trainedModel(config: { model: ModelKind }): TrainedModel {
  if (config.model === 'patchcore') throw new Error('PatchCore has no network: it is fitted, not trained.');
  return config.model;
}
const PATCHCORE = ['patchcore'] as const satisfies readonly ModelKind[];

interface NumberOption {
  kind: 'number';
  label: string;
  help: string;
  default: number;
  min: number;
  max: number;
  step?: number;
  integer?: boolean;
}
interface ChoiceOption<T extends string> {
  kind: 'choice';
  label: string;
  help: string;
  default: T;
  choices: readonly T[];
}
/** A paper-vs-reference switch: `false` = the reference code's behaviour. */
interface SwitchOption {
  kind: 'switch';
  label: string;
  help: string;
  default: boolean;
  paper: true;
}
interface BoolOption {
  kind: 'bool';
  label: string;
  help: string;
  default: boolean;
}
/** `models`: the models an option applies to (absent: all); the form hides it for the others. */
export type OptionSpec = (NumberOption | ChoiceOption<string> | SwitchOption | BoolOption) & {
  models?: readonly ModelKind[];
};

export const CONFIG_SCHEMA = {
  teacher: {
    kind: 'choice',
    label: 'Teacher',
    help: 'Frozen ImageNet encoder whose layer1/2/3 features are distilled (PatchCore: layer 2/3 features kept in its memory).',
    default: 'mobilenet_v2',
    choices: TEACHERS,
  },
  model: {
    kind: 'choice',
    label: 'Model',
    help: "DM-GRD (memories + MSFF), plain Reverse Distillation on the same trainer, or PatchCore: no training, a memory of the teacher's patch features.",
    default: 'dmgrd',
    choices: MODELS,
  },
  imageSize: {
    kind: 'number',
    label: 'Image size',
    help: 'Square input size in pixels.',
    default: 256,
    min: 32,
    max: 512,
    step: 32,
    integer: true,
  },
  batchSize: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Batch',
    help: 'Images per step (about half are synthetic anomalies).',
    default: 8,
    min: 2,
    max: 32,
    integer: true,
  },
  steps: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Steps',
    help: 'Optimiser steps (reference: 5000).',
    default: 5000,
    min: 1,
    max: 100000,
    integer: true,
  },
  lr: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Learning rate',
    help: 'Peak Adam learning rate after warm-up.',
    default: 0.005,
    min: 1e-6,
    max: 0.1,
  },
  minLr: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Min LR',
    help: 'Start of the warm-up and end of the cosine decay.',
    default: 1e-4,
    min: 0,
    max: 0.1,
  },
  warmupFraction: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Warm-up',
    help: 'Fraction of steps with linear warm-up.',
    default: 0.1,
    min: 0,
    max: 0.5,
  },
  alpha: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'alpha',
    help: 'Weight of the separation loss (L_OT + mu L_Con).',
    default: 0.2,
    min: 0,
    max: 10,
  },
  mu: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'mu',
    help: 'Weight of the contrast term inside the separation loss.',
    default: 0.1,
    min: 0,
    max: 10,
  },
  tau: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'tau',
    help: 'Weight of the triplet (memory separation) loss.',
    default: 0.1,
    min: 0,
    max: 10,
  },
  memoryItems: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Memory items L',
    help: 'Images per memory bank (30; 10 for tiny classes).',
    default: 30,
    min: 3,
    max: 120,
    integer: true,
  },
  seed: {
    kind: 'number',
    label: 'Seed',
    help: 'Seeds sampling, synthesis and initialisation.',
    default: 111,
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
  },
  paperLambda: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: gamma ~ N(0,1) in the Fourier mix',
    help: 'Reference draws the amplitude-mix weight from U(0,1); the paper writes N(0,1).',
    default: false,
  },
  paperBeta: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: beta in [0.1, 1.0]',
    help: 'Reference draws the blend opacity from U(0, 0.8).',
    default: false,
  },
  paperKdPerPixel: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: per-pixel KD cosine',
    help: 'Reference takes one cosine over each flattened feature map; the paper averages per-pixel cosines.',
    default: false,
  },
  paperSelect: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: select the nearest memory item',
    help: 'Reference argmins a sorted top-k diff bank (can only pick 3 slots); paper picks the most similar item.',
    default: false,
  },
  paperSinkhorn: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: Sinkhorn between the samples of the batch',
    help: 'Reference compares the batch with its own permutation (always ~0); paper mode compares the samples of the batch with each other (normal-memory MSFF outputs, Eq. 9).',
    default: false,
  },
  paperTriplet: {
    models: TRAINED_MODELS,
    kind: 'switch',
    paper: true,
    label: 'Paper: trainable memories in the triplet loss',
    help: 'Reference gathers positive and negative from the abnormal memory built without gradients (constant 3.0); paper uses anchor/positive/negative of Eq. 11 on trainable memories.',
    default: false,
  },
  gradNormEvery: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Per-term gradient norms every',
    help: "Steps between measurements of each loss term's gradient norm (one extra backward pass per term on those steps; 0 = never).",
    default: 25,
    min: 0,
    max: 10000,
    integer: true,
  },
  recompute: {
    models: TRAINED_MODELS,
    kind: 'choice',
    label: 'Recompute MSFF activations',
    help: 'Gradient checkpointing: the MSFF blocks keep no activations for the backward pass and run again there, which saves memory for about a sixth more time per step. Auto: on where memory is tight (the WASM or CPU backend with a ResNet50-class DM-GRD network).',
    default: 'auto',
    choices: ['auto', 'on', 'off'],
  },
  statsBatches: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Final BatchNorm statistics',
    help: "Training batches whose statistics every BatchNorm keeps after the last step, averaged with equal weight (a forward pass each, no weight changes). The reference keeps running averages dominated by the last ten or so steps, which at a small batch can mis-scale one channel and light the same place in every anomaly map (0 = the reference's running averages).",
    default: 0,
    min: 0,
    max: 1000,
    integer: true,
  },
  statsClean: {
    models: TRAINED_MODELS,
    kind: 'bool',
    label: 'Statistics from clean images',
    help: 'With final BatchNorm statistics above 0: average them over training images as they are, instead of batches drawn as training draws them (half with synthetic defects). Leave it off for a run of a few hundred steps, where it makes the maps worse; after a thousand steps or more, if the maps light up everywhere, it can make them sharp again.',
    default: false,
  },
  mapSigma: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Map blur σ',
    help: 'Gaussian blur of the anomaly map, in pixels at the image size (0 = no blur; the reference: 4). It changes the maps shown, the image scores and the metrics, not training: a small σ keeps a defect only a few pixels wide from fading into the normal pixels around it.',
    default: 4,
    min: 0,
    max: 16,
  },
  imageScoreTopK: {
    models: TRAINED_MODELS,
    kind: 'number',
    label: 'Top-k score',
    help: 'Image score = mean of the k largest map values (RD: 1 = max).',
    default: 100,
    min: 1,
    max: 10000,
    integer: true,
  },
  coresetFraction: {
    kind: 'number',
    models: PATCHCORE,
    label: 'Coreset fraction',
    help: 'Share of all training patches kept in the memory, chosen by greedy k-centre selection (in the PatchCore paper 1 % scores about as well as 10 % on MVTec AD).',
    default: 0.01,
    min: 0.001,
    max: 1,
  },
  projectionDim: {
    kind: 'number',
    models: PATCHCORE,
    label: 'Projection width',
    help: 'Patch features wider than this (layer 2 + layer 3 channels: EfficientNet-B0 152, MobileNetV2 288, ResNet50 1536) are multiplied by a fixed random matrix down to this width; 0 = never.',
    default: 384,
    min: 0,
    max: 4096,
    integer: true,
  },
} as const satisfies Record<string, OptionSpec>;

export type ConfigKey = keyof typeof CONFIG_SCHEMA;

/** Whether option `key` has any effect on `model`. */
export function appliesTo(key: ConfigKey, model: ModelKind): boolean {
  const models = (CONFIG_SCHEMA[key] as OptionSpec).models;
  return !models || models.includes(model);
}

type ValueOf<S> = S extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { kind: 'number' }
    ? number
    : boolean;

export type TrainConfig = { -readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_SCHEMA)[K]> };

export function defaultConfig(): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(CONFIG_SCHEMA)) out[k] = spec.default;
  return out as TrainConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Fills defaults and checks types and ranges; throws ConfigError naming the bad option. */
export function validateConfig(partial: Partial<Record<string, unknown>>): TrainConfig {
  const cfg = defaultConfig() as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial)) {
    const spec = (CONFIG_SCHEMA as Record<string, OptionSpec>)[k];
    if (!spec) throw new ConfigError(`Unknown option "${k}".`);
    if (v === undefined) continue;
    if (spec.kind === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new ConfigError(`${spec.label} must be a number.`);
      if (v < spec.min || v > spec.max)
        throw new ConfigError(`${spec.label} must be between ${spec.min} and ${spec.max} (got ${v}).`);
      if (spec.integer && !Number.isInteger(v))
        throw new ConfigError(`${spec.label} must be a whole number.`);
    } else if (spec.kind === 'choice') {
      if (!spec.choices.includes(v as string))
        throw new ConfigError(`${spec.label} must be one of ${spec.choices.join(', ')}.`);
    } else if (typeof v !== 'boolean') {
      throw new ConfigError(`${spec.label} must be true or false.`);
    }
    cfg[k] = v;
  }
  const out = cfg as TrainConfig;
  if (out.minLr > out.lr) throw new ConfigError('Min LR must not exceed the learning rate.');
  if (out.statsClean && out.statsBatches === 0)
    throw new ConfigError('Statistics from clean images needs Final BatchNorm statistics above 0.');
  return out;
}
