// Command-line flags of the speed benchmark (`npm run bench:speed -- [flags]`).
import { MODELS, TEACHERS, type ModelKind, type TeacherName } from '../../src/core/config';
import type { BuildMode } from '../bench/harness';

export interface SpeedOptions {
  backend: 'wasm' | 'webgpu';
  teachers: TeacherName[];
  methods: ModelKind[];
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
  peak: boolean;
  matmulN: number;
  /** Per-phase limit; a phase that runs longer is recorded as a timeout. */
  phaseTimeoutS: number;
  out?: string;
  /** Print the table of an existing report instead of running. */
  print?: string;
  dist?: string;
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
  peak: true,
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

const FLAGS: Record<string, string> = {
  backend: 'wasm | webgpu (default wasm)',
  teachers: `comma list of ${TEACHERS.join(', ')} (default resnet50,mobilenet_v2,wide_resnet50_2)`,
  methods: 'comma list of dmgrd, rd (default both)',
  size: 'image side in px (default 256)',
  repeats: 'timed runs after one warm-up; the median is reported (default 3)',
  'infer-batches': 'inference batches (default 1,8)',
  'train-batches': 'training batches (default 8)',
  'reference-batch': 'extra WRN50 training batch matching the PyTorch figure (default 2; 0 = none)',
  'skip-train': 'inference only',
  'memory-items': 'images per memory bank (default 30, the reference)',
  weights: 'served | random: teacher weights (default served; WRN50/ResNet18/34 are always random)',
  'no-profile': 'skip the tf.profile runs (and so the FLOP counts)',
  'no-peak': 'skip the peak matmul / conv measurement',
  'peak-only': 'only the peak matmul / conv measurement, no cases',
  'matmul-n': 'largest side of the peak matmuls (512, 1024 .. n; default 2048)',
  'phase-timeout-s': 'limit per inference / training phase in seconds (default 3600)',
  quick: 'CI smoke: 64 px, one repeat, batches 1,2 / train 2, 3 memory items, matmul 512',
  out: 'JSON file, rewritten after every phase (default bench-results/speed-<timestamp>.json)',
  print: 'print the table of an existing JSON report and exit',
  dist: 'bundle folder to build into and serve (default dist/)',
  build: 'always rebuild the bundle (default: only when missing or stale)',
  'no-build': 'never build; use the bundle as it is',
  'progress-ms': 'minimum ms between progress lines (default 5000)',
  help: 'this text',
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

function int(flag: string, raw: string | undefined, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new SpeedArgsError(`--${flag} needs a whole number >= ${min}.`);
  return v;
}

function ints(flag: string, raw: string | undefined): number[] {
  const parts = (raw ?? '').split(',').filter(Boolean);
  if (!parts.length) throw new SpeedArgsError(`--${flag} needs a comma list of whole numbers.`);
  return [...new Set(parts.map((p) => int(flag, p, 1)))];
}

/** Parses `--flag value` and `--flag=value`; --quick sets its sizes first, so later flags override them. */
export function parseSpeedArgs(argv: readonly string[]): ParsedSpeedArgs {
  const o: SpeedOptions = { ...DEFAULT_SPEED_OPTIONS };
  if (argv.includes('--quick')) Object.assign(o, QUICK_OPTIONS);
  let help = false;
  let skipTrain = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--'))
      throw new SpeedArgsError(`Unexpected argument "${arg}" (flags start with --).`);
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const next = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    switch (flag) {
      case 'help':
      case 'h':
        help = true;
        break;
      case 'quick':
        break;
      case 'backend': {
        const v = next();
        if (v !== 'wasm' && v !== 'webgpu') throw new SpeedArgsError('--backend must be wasm or webgpu.');
        o.backend = v;
        break;
      }
      case 'teachers':
        o.teachers = list(flag, next(), TEACHERS);
        break;
      case 'methods':
        o.methods = list(flag, next(), MODELS);
        break;
      case 'size': {
        const v = int(flag, next(), 32);
        if (v % 32) throw new SpeedArgsError('--size must be a multiple of 32.');
        o.imageSize = v;
        break;
      }
      case 'repeats':
        o.repeats = int(flag, next(), 1);
        break;
      case 'infer-batches':
        o.inferBatches = ints(flag, next());
        break;
      case 'train-batches':
        o.trainBatches = ints(flag, next());
        if (o.trainBatches.some((b) => b < 2))
          throw new SpeedArgsError('--train-batches: batches start at 2.');
        break;
      case 'reference-batch': {
        const v = int(flag, next(), 0);
        if (v === 1) throw new SpeedArgsError('--reference-batch: batches start at 2.');
        o.referenceTrainBatch = v || null;
        break;
      }
      case 'skip-train':
        skipTrain = true;
        break;
      case 'memory-items':
        o.memoryItems = int(flag, next(), 3);
        break;
      case 'weights': {
        const v = next();
        if (v !== 'served' && v !== 'random') throw new SpeedArgsError('--weights must be served or random.');
        o.weights = v;
        break;
      }
      case 'no-profile':
        o.profile = false;
        break;
      case 'no-peak':
        o.peak = false;
        break;
      case 'peak-only':
        o.teachers = [];
        o.peak = true;
        break;
      case 'matmul-n':
        o.matmulN = int(flag, next(), 16);
        break;
      case 'phase-timeout-s':
        o.phaseTimeoutS = int(flag, next(), 1);
        break;
      case 'out':
      case 'print':
      case 'dist': {
        const v = next();
        if (!v) throw new SpeedArgsError(`--${flag} needs a path.`);
        o[flag] = v;
        break;
      }
      case 'build':
        o.build = 'always';
        break;
      case 'no-build':
        o.build = 'never';
        break;
      case 'progress-ms':
        o.progressMs = int(flag, next(), 0);
        break;
      default:
        throw new SpeedArgsError(`Unknown flag --${flag}. Run with --help for the list.`);
    }
  }
  if (skipTrain) {
    o.trainBatches = [];
    o.referenceTrainBatch = null;
  }
  return { options: o, help };
}

export function speedUsage(): string {
  return [
    'Usage: npm run bench:speed -- [flags]',
    '',
    'Times inference (ms/image) and training (ms/step) of DM-GRD and RD per teacher in headless',
    'Chromium, counts FLOPs from the kernels run, compares with the backend peak, profiles the top ops.',
    '',
    ...Object.entries(FLAGS).map(([f, h]) => `  --${f.padEnd(18)} ${h}`),
  ].join('\n');
}
