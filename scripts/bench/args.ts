// Command-line flags of the benchmark runner. Model / training flags come from CONFIG_SCHEMA (one
// declaration of every option), so a new schema key is a new flag without touching this file.
import {
  CONFIG_SCHEMA,
  validateConfig,
  type ConfigKey,
  type OptionSpec,
  type TrainConfig,
} from '../../src/core/config';
import type { BackendRequest } from '../../workers/engine-api';

/** Options of the runner itself (everything that is not a model / training option). */
export interface RunnerOptions {
  /** Dataset category folder (train/good, test/<type>, ground_truth/<type>). */
  data: string;
  /** Texture folder for the Fourier mix (e.g. DTD); the built-in procedural textures when absent. */
  textures?: string;
  backend: BackendRequest;
  /** Report path; `bench-results/<timestamp>.json` when absent. */
  out?: string;
  /** 'auto' builds when the bundle is missing or older than the sources. */
  build: 'auto' | 'always' | 'never';
  /**
   * Bundle folder to build into and serve (default dist/). A private one keeps long runs immune to
   * other work rebuilding dist/ meanwhile.
   */
  dist?: string;
  /** Keep only the first N training images (sorted paths); all when absent. */
  maxTrain?: number;
  /** Keep only the first N test images of each defect type (and their masks). */
  maxTestPerType?: number;
  /** Stored image side; the model input size when absent. */
  storedSize?: number;
  /** Minimum milliseconds between two printed progress lines. */
  progressMs: number;
}

export interface ParsedArgs {
  runner: RunnerOptions;
  /** Only the flags given (defaults are filled by validateConfig, except BENCH_DEFAULTS). */
  config: Partial<TrainConfig>;
  help: boolean;
}

/**
 * Where the benchmark deliberately differs from the UI defaults: per-term gradient norms cost one
 * extra backward pass per loss term, which would inflate the measured training time per step.
 */
export const BENCH_DEFAULTS: Partial<TrainConfig> = { gradNormEvery: 0 };

/** Short spellings of schema keys. */
const ALIASES: Record<string, ConfigKey> = { size: 'imageSize', batch: 'batchSize' };

const RUNNER_FLAGS: Record<string, string> = {
  data: 'dataset category folder (required), e.g. ../shared/data/mvtec-256/bottle',
  textures: 'texture folder for the Fourier mix, e.g. ../shared/data/dtd-256 (default: procedural)',
  backend: 'webgpu | wasm | auto (default wasm)',
  out: 'report file (default bench-results/<timestamp>.json)',
  dist: 'bundle folder to build into and serve (default dist/)',
  build: 'always rebuild dist/ (default: only when missing or stale)',
  'no-build': 'never build; use dist/ as it is',
  'max-train': 'use only the first N training images',
  'max-test-per-type': 'use only the first N test images of each defect type',
  'stored-size': 'side the images are decoded to (default: the model input size)',
  'progress-ms': 'minimum ms between progress lines (default 2000)',
  help: 'this text',
};

export class ArgsError extends Error {
  override name = 'ArgsError';
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function schemaKey(flag: string): ConfigKey | null {
  if (flag in ALIASES) return ALIASES[flag];
  const key = camel(flag);
  return key in CONFIG_SCHEMA ? (key as ConfigKey) : null;
}

function parseValue(key: ConfigKey, spec: OptionSpec, raw: string | undefined): number | string | boolean {
  if (spec.kind === 'number') {
    const v = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(v))
      throw new ArgsError(`--${kebab(key)} needs a number (got ${raw ?? 'nothing'}).`);
    return v;
  }
  if (spec.kind === 'choice') {
    if (raw === undefined) throw new ArgsError(`--${kebab(key)} needs one of ${spec.choices.join(', ')}.`);
    return raw;
  }
  if (raw === undefined || raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ArgsError(`--${kebab(key)} takes true or false (got ${raw}).`);
}

function positiveInt(flag: string, raw: string | undefined): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new ArgsError(`--${flag} needs a positive whole number.`);
  return v;
}

/** Parses `--flag value`, `--flag=value`, boolean `--flag` and `--no-flag`. Throws ArgsError. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const runner: Partial<RunnerOptions> = { backend: 'wasm', build: 'auto', progressMs: 2000 };
  const config: Record<string, unknown> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ArgsError(`Unexpected argument "${arg}" (flags start with --).`);
    const eq = arg.indexOf('=');
    let flag = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const next = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    if (flag === 'help' || flag === 'h') {
      help = true;
      continue;
    }
    if (flag === 'no-build') {
      runner.build = 'never';
      continue;
    }
    if (flag === 'build') {
      runner.build = 'always';
      continue;
    }
    if (flag === 'data' || flag === 'textures' || flag === 'out' || flag === 'dist') {
      const v = next();
      if (!v) throw new ArgsError(`--${flag} needs a path.`);
      runner[flag] = v;
      continue;
    }
    if (flag === 'backend') {
      const v = next();
      if (v !== 'webgpu' && v !== 'wasm' && v !== 'auto' && v !== 'webgl' && v !== 'cpu')
        throw new ArgsError('--backend must be webgpu, wasm, webgl, cpu or auto.');
      runner.backend = v;
      continue;
    }
    if (flag === 'max-train') {
      runner.maxTrain = positiveInt(flag, next());
      continue;
    }
    if (flag === 'max-test-per-type') {
      runner.maxTestPerType = positiveInt(flag, next());
      continue;
    }
    if (flag === 'stored-size') {
      runner.storedSize = positiveInt(flag, next());
      continue;
    }
    if (flag === 'progress-ms') {
      runner.progressMs = positiveInt(flag, next());
      continue;
    }
    let negated = false;
    if (flag.startsWith('no-') && schemaKey(flag.slice(3))) {
      negated = true;
      flag = flag.slice(3);
    }
    const key = schemaKey(flag);
    if (!key) throw new ArgsError(`Unknown flag --${flag}. Run with --help for the list.`);
    const spec = CONFIG_SCHEMA[key] as OptionSpec;
    if (negated) {
      if (spec.kind !== 'switch' && spec.kind !== 'bool')
        throw new ArgsError(`--no-${flag} is not a switch.`);
      config[key] = false;
      continue;
    }
    // A bare switch takes an explicit true/false after it, but never another word as its value.
    if ((spec.kind === 'switch' || spec.kind === 'bool') && inline === undefined) {
      const v = argv[i + 1];
      if (v === 'true' || v === 'false') i++;
      inline = v === 'false' ? 'false' : 'true';
    }
    config[key] = parseValue(key, spec, next());
  }
  if (!help && !runner.data) throw new ArgsError('--data <category folder> is required.');
  // Fail on a bad value before anything is built or launched.
  try {
    validateConfig({ ...BENCH_DEFAULTS, ...config });
  } catch (e) {
    throw new ArgsError((e as Error).message);
  }
  return { runner: runner as RunnerOptions, config: config as Partial<TrainConfig>, help };
}

/** Help text: the runner flags, then every schema option with its range and default. */
export function usage(): string {
  const lines = [
    'Usage: npm run bench -- --data <category folder> [flags]',
    '',
    'Runner:',
    ...Object.entries(RUNNER_FLAGS).map(([f, h]) => `  --${f.padEnd(20)} ${h}`),
    '',
    'Model and training (CONFIG_SCHEMA):',
  ];
  const aliasOf = Object.fromEntries(Object.entries(ALIASES).map(([a, k]) => [k, a]));
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, OptionSpec][]) {
    const names = [aliasOf[key], kebab(key)].filter(Boolean).map((n) => `--${n}`);
    const bench = BENCH_DEFAULTS[key];
    const def = bench !== undefined ? `${bench} (UI: ${spec.default})` : String(spec.default);
    const range =
      spec.kind === 'number'
        ? ` [${spec.min}..${spec.max}]`
        : spec.kind === 'choice'
          ? ` {${spec.choices.join('|')}}`
          : ' (switch)';
    lines.push(`  ${names.join(', ')}${range}, default ${def}`);
    lines.push(`      ${spec.help}`);
  }
  return lines.join('\n');
}
