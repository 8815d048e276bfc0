// Command-line flags of the speed benchmark (`npm run bench:speed -- [flags]`).
import { TEACHERS, TRAINED_MODELS, type TeacherName, type TrainedModel } from '../../src/core/config';
import * as flags from '../bench/flags';
import type { BuildMode } from '../bench/cli';

export interface SpeedOptions {
  backend: 'wasm' | 'webgpu';
  teachers: TeacherName[];
  methods: TrainedModel[];
  imageSize: number;
  repeats: number;
  inferBatches: number[];
  /** Training batches measured for every teacher (empty with --skip-train). */
  trainBatches: number[];
  /**
   * Extra training batch for the WRN50 rows: the PyTorch reference figure is at batch 2, so the ratio
   * compares like with like (null: none).
   */
  referenceTrainBatch: number | null;
  memoryItems: number;
  weights: 'served' | 'random';
  profile: boolean;
  /** TF.js environment flags for every case (--tf-flags NAME=value,...). */
  tfFlags: Record<string, number | boolean>;
  peak: boolean;
  /** Check the custom kernels against the composite ops, and time both on the scoring path. */
  kernels: boolean;
  matmulN: number;
  /** Per-phase limit; a phase that runs longer is recorded as a timeout. */
  phaseTimeoutS: number;
  out?: string;
  /** Print the table of an existing report instead of running. */
  print?: string;
  dist?: string;
  /**
   * A dawn.node (from the `webgpu` npm package): run the engine in Node over Dawn's WebGPU instead
   * of in Chromium, for GPU machines with no browser. Implies the webgpu backend.
   */
  dawn?: string;
  build: BuildMode;
  progressMs: number;
}

export interface ParsedSpeedArgs {
  options: SpeedOptions;
  help: boolean;
}

export const DEFAULT_SPEED_OPTIONS: SpeedOptions = {
  backend: 'wasm',
  teachers: ['resnet50', 'mobilenet_v2', 'wide_resnet50_2'],
  methods: ['dmgrd', 'rd'],
  imageSize: 256,
  repeats: 3,
  inferBatches: [1, 8],
  trainBatches: [8],
  referenceTrainBatch: 2,
  memoryItems: 30,
  weights: 'served',
  profile: true,
  tfFlags: {},
  peak: true,
  kernels: false,
  matmulN: 2048,
  phaseTimeoutS: 3600,
  build: 'auto',
  progressMs: 5000,
};

/** --quick: a CI smoke size (tiny images, one repeat, small batches and banks). */
export const QUICK_OPTIONS: Partial<SpeedOptions> = {
  imageSize: 64,
  repeats: 1,
  inferBatches: [1, 2],
  trainBatches: [2],
  referenceTrainBatch: null,
  memoryItems: 3,
  matmulN: 512,
};

const FLAGS: Record<string, flags.FlagSpec> = {
  backend: { type: 'string', help: 'wasm | webgpu (default wasm)' },
  teachers: {
    type: 'string',
    help: `comma list of ${TEACHERS.join(', ')} (default resnet50,mobilenet_v2,wide_resnet50_2)`,
  },
  methods: { type: 'string', help: 'comma list of dmgrd, rd (default both)' },
  size: { type: 'string', help: 'image side in px (default 256)' },
  repeats: { type: 'string', help: 'timed runs after one warm-up; the median is reported (default 3)' },
  'infer-batches': { type: 'string', help: 'inference batches (default 1,8)' },
  'train-batches': { type: 'string', help: 'training batches (default 8)' },
  'reference-batch': {
    type: 'string',
    help: 'extra WRN50 training batch matching the PyTorch figure (default 2; 0 = none)',
  },
  'skip-train': { type: 'boolean', help: 'inference only' },
  'memory-items': { type: 'string', help: 'images per memory bank (default 30, the reference)' },
  weights: {
    type: 'string',
    help: 'served | random: teacher weights (default served; WRN50/ResNet18/34 are always random)',
  },
  'no-profile': { type: 'boolean', help: 'skip the tf.profile runs (and so the FLOP counts)' },
  'tf-flags': {
    type: 'string',
    help: 'TF.js flags for every case, e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=60 (comma list)',
  },
  'no-peak': { type: 'boolean', help: 'skip the peak matmul / conv measurement' },
  kernels: {
    type: 'boolean',
    help: 'also check the custom kernels against the composite ops and time both (scoring path)',
  },
  'peak-only': { type: 'boolean', help: 'only the peak matmul / conv measurement, no cases' },
  'matmul-n': { type: 'string', help: 'largest side of the peak matmuls (512, 1024 .. n; default 2048)' },
  'phase-timeout-s': {
    type: 'string',
    help: 'limit per inference / training phase in seconds (default 3600)',
  },
  quick: {
    type: 'boolean',
    help: 'CI smoke: 64 px, one repeat, batches 1,2 / train 2, 3 memory items, matmul 512',
  },
  out: {
    type: 'string',
    help: 'JSON file, rewritten after every phase (default bench-results/speed-<timestamp>.json)',
  },
  print: { type: 'string', help: 'print the table of an existing JSON report and exit' },
  dawn: {
    type: 'string',
    help: "path of a dawn.node (npm package 'webgpu'): WebGPU in Node over Dawn, no browser",
  },
  ...flags.BUNDLE_FLAGS,
  'progress-ms': { type: 'string', help: 'minimum ms between progress lines (default 5000)' },
  ...flags.HELP_FLAG,
};

export class SpeedArgsError extends Error {
  override name = 'SpeedArgsError';
}

function list<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T[] {
  const items = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new SpeedArgsError(`--${flag} needs a comma list of ${allowed.join(', ')}.`);
  for (const i of items)
    if (!allowed.includes(i as T))
      throw new SpeedArgsError(`--${flag}: unknown "${i}" (${allowed.join(', ')}).`);
  return [...new Set(items)] as T[];
}

function ints(flag: string, raw: string | undefined): number[] {
  const parts = (raw ?? '').split(',').filter(Boolean);
  if (!parts.length) throw new SpeedArgsError(`--${flag} needs a comma list of whole numbers.`);
  return [...new Set(parts.map((p) => flags.wholeNumber(flag, p, 1)))];
}

/** NAME=value,...: values are numbers or true / false, as TF.js flags are. */
function tfFlags(raw: string | undefined): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const item of (raw ?? '').split(',').filter(Boolean)) {
    const [name, value, ...rest] = item.split('=');
    const num = Number(value);
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || rest.length || value === undefined || value === '')
      throw new SpeedArgsError(`--tf-flags: "${item}" is not NAME=value.`);
    if (value === 'true' || value === 'false') out[name] = value === 'true';
    else if (Number.isFinite(num)) out[name] = num;
    else throw new SpeedArgsError(`--tf-flags: ${name} needs a number, true or false, not "${value}".`);
  }
  if (!Object.keys(out).length) throw new SpeedArgsError('--tf-flags needs NAME=value pairs.');
  return out;
}

/**
 * Parses `--flag value` and `--flag=value`; --quick sets its sizes first, so later flags override
 * them. Throws SpeedArgsError.
 */
export function parseSpeedArgs(argv: readonly string[]): ParsedSpeedArgs {
  return flags.parse(argv, FLAGS, SpeedArgsError, readFlags);
}

function readFlags(tokens: readonly flags.FlagToken[]): ParsedSpeedArgs {
  const o: SpeedOptions = { ...DEFAULT_SPEED_OPTIONS };
  if (tokens.some((t) => t.name === 'quick')) Object.assign(o, QUICK_OPTIONS);
  let help = false;
  let skipTrain = false;
  for (const { name: flag, value } of tokens) {
    switch (flag) {
      case 'help':
        help = true;
        break;
      case 'quick':
        break;
      case 'backend':
        o.backend = flags.oneOf(flag, value, ['wasm', 'webgpu']);
        break;
      case 'teachers':
        o.teachers = list(flag, value, TEACHERS);
        break;
      case 'methods':
        o.methods = list(flag, value, TRAINED_MODELS);
        break;
      case 'size': {
        const v = flags.wholeNumber(flag, value, 32);
        if (v % 32) throw new SpeedArgsError('--size must be a multiple of 32.');
        o.imageSize = v;
        break;
      }
      case 'repeats':
        o.repeats = flags.wholeNumber(flag, value, 1);
        break;
      case 'infer-batches':
        o.inferBatches = ints(flag, value);
        break;
      case 'train-batches':
        o.trainBatches = ints(flag, value);
        if (o.trainBatches.some((b) => b < 2))
          throw new SpeedArgsError('--train-batches: batches start at 2.');
        break;
      case 'reference-batch': {
        const v = flags.wholeNumber(flag, value, 0);
        if (v === 1) throw new SpeedArgsError('--reference-batch: batches start at 2.');
        o.referenceTrainBatch = v || null;
        break;
      }
      case 'skip-train':
        skipTrain = true;
        break;
      case 'memory-items':
        o.memoryItems = flags.wholeNumber(flag, value, 3);
        break;
      case 'weights':
        o.weights = flags.oneOf(flag, value, ['served', 'random']);
        break;
      case 'no-profile':
        o.profile = false;
        break;
      case 'tf-flags':
        o.tfFlags = tfFlags(value);
        break;
      case 'no-peak':
        o.peak = false;
        break;
      case 'kernels':
        o.kernels = true;
        break;
      case 'peak-only':
        o.teachers = [];
        o.peak = true;
        break;
      case 'matmul-n':
        o.matmulN = flags.wholeNumber(flag, value, 16);
        break;
      case 'phase-timeout-s':
        o.phaseTimeoutS = flags.wholeNumber(flag, value, 1);
        break;
      case 'out':
      case 'print':
      case 'dist':
      case 'dawn':
        o[flag] = flags.pathValue(flag, value);
        break;
      case 'build':
        o.build = 'always';
        break;
      case 'no-build':
        o.build = 'never';
        break;
      case 'progress-ms':
        o.progressMs = flags.wholeNumber(flag, value, 0);
        break;
      default:
        // Only a flag added to FLAGS without a case here gets this far.
        throw new SpeedArgsError(`Unhandled flag --${flag}.`);
    }
  }
  if (skipTrain) {
    o.trainBatches = [];
    o.referenceTrainBatch = null;
  }
  if (o.dawn) {
    if (tokens.some((t) => t.name === 'backend') && o.backend !== 'webgpu')
      throw new SpeedArgsError('--dawn runs WebGPU only: drop --backend or make it webgpu.');
    o.backend = 'webgpu';
  }
  return { options: o, help };
}

export function speedUsage(): string {
  return [
    'Usage: npm run bench:speed -- [flags]',
    '',
    'Times inference (ms/image) and training (ms/step) of DM-GRD and RD per teacher in headless',
    'Chromium (or in Node over Dawn with --dawn), counts FLOPs from the kernels run, compares with the',
    'backend peak, profiles the top ops.',
    '',
    ...flags.helpLines(FLAGS, 18),
  ].join('\n');
}
