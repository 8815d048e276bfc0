// Command-line flags of the benchmark runner. Model / training flags come from CONFIG_SCHEMA (one
// declaration of every option), so a new schema key is a new flag without touching this file.
import {
  CONFIG_SCHEMA,
  validateConfig,
  type ConfigKey,
  type OptionSpec,
  type TrainConfig,
} from '../../src/core/config';
import { PRESET_NAMES, presetMinutes, presetOptions, type PresetName } from '../../src/core/presets';
import type { BackendRequest } from '../../workers/engine-api';
import * as flags from './flags';

/** Options of the runner itself (everything that is not a model / training option). */
export interface RunnerOptions {
  /** Dataset category folder (train/good, test/<type>, ground_truth/<type>). */
  data: string;
  /** Texture folder for the Fourier mix (e.g. DTD); the built-in procedural textures when absent. */
  textures?: string;
  backend: BackendRequest;
  /** Report path; `bench-results/<timestamp>.json` when absent. A sweep's: its files without the extension. */
  out?: string;
  /** 'auto' builds when the bundle is missing or older than the sources. */
  build: 'auto' | 'always' | 'never';
  /**
   * Bundle folder to build into and serve (default dist/). A private one keeps long runs immune to
   * a concurrent rebuild of dist/.
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
  /** Training budget in minutes: the step count is set so that training takes about this long. */
  minutes?: number;
  /** Sweep rows (a file or inline), run one after another into one table. */
  sweep?: string;
  /** With a sweep: go on from the sweep file at `out`, running only the runs it has not finished. */
  resume?: boolean;
  /** torchvision weights for a teacher the app does not serve (resnet18, resnet34, wide_resnet50_2). */
  teacherWeights?: string;
  /** Folder to write every file export into after the evaluation (as the Export panel does). */
  export?: string;
}

export interface ParsedArgs {
  /** `minutes` is left unset: `budgets` holds what --minutes gave. */
  runner: RunnerOptions;
  /** --minutes: one budget, or (with --sweep) several; null without the flag. */
  budgets: number[] | null;
  /** The flags given over a --preset's options (defaults are filled by validateConfig, except BENCH_DEFAULTS). */
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

const RUNNER_FLAGS: Record<string, flags.FlagSpec> = {
  data: {
    type: 'string',
    help: 'dataset category folder (required), e.g. ../shared/data/mvtec-256/bottle',
  },
  textures: {
    type: 'string',
    help: 'texture folder for the Fourier mix, e.g. ../shared/data/dtd-256 (default: procedural)',
  },
  backend: { type: 'string', help: 'webgpu | wasm | auto (default wasm)' },
  out: {
    type: 'string',
    help: 'report file (default bench-results/<timestamp>.json); with --sweep, the path of its table without .md / .json',
  },
  ...flags.BUNDLE_FLAGS,
  'max-train': { type: 'string', help: 'use only the first N training images' },
  'max-test-per-type': { type: 'string', help: 'use only the first N test images of each defect type' },
  'stored-size': { type: 'string', help: 'side the images are decoded to (default: the model input size)' },
  'progress-ms': { type: 'string', help: 'minimum ms between progress lines (default 2000)' },
  minutes: {
    type: 'string',
    help: 'train for about this many minutes instead of --steps: the steps (so the LR schedule) fit the time per step of a short probe; with --sweep also a list, e.g. 2,10,30',
  },
  sweep: {
    type: 'string',
    help: 'run several configurations into one table: a file with one "name: --flag value ..." per line, or the rows inline separated by ";"',
  },
  resume: {
    type: 'boolean',
    help: 'with --sweep and --out: go on from that sweep file, running only what it has not finished (same rows, flags, data and commit)',
  },
  'teacher-weights': {
    type: 'string',
    help: 'torchvision weights (.pth/.safetensors) for --teacher resnet18, resnet34 or wide_resnet50_2',
  },
  export: {
    type: 'string',
    help: 'folder to write the exports into after evaluating (PyTorch checkpoint, run report, web package)',
  },
  ...flags.HELP_FLAG,
};

const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu', 'auto'] as const satisfies readonly BackendRequest[];

/** Runner flags that take a whole number >= 1, and the option each sets. */
const COUNT_FLAGS = {
  'max-train': 'maxTrain',
  'max-test-per-type': 'maxTestPerType',
  'stored-size': 'storedSize',
  'progress-ms': 'progressMs',
} as const satisfies Record<string, keyof RunnerOptions>;

export class ArgsError extends Error {
  override name = 'ArgsError';
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const isSwitch = (spec: OptionSpec): boolean => spec.kind === 'switch' || spec.kind === 'bool';

/**
 * Every spelling of a schema option as a flag (kebab-case, camelCase, alias, and `no-` before each
 * spelling of a switch), with the key it sets and, for a switch, the value.
 */
const SCHEMA_FLAGS = new Map<string, { key: ConfigKey; option: flags.FlagOption; negated: boolean }>();
const aliasOf = Object.fromEntries(Object.entries(ALIASES).map(([a, k]) => [k, a]));
for (const [key, spec] of Object.entries(CONFIG_SCHEMA) as [ConfigKey, OptionSpec][]) {
  const names = new Set([kebab(key), key, ...(aliasOf[key] ? [aliasOf[key]] : [])]);
  const type = isSwitch(spec) ? 'boolean' : 'string';
  for (const name of names) {
    if (name in RUNNER_FLAGS) throw new Error(`Schema option ${key} shadows the runner flag --${name}.`);
    SCHEMA_FLAGS.set(name, { key, option: { type }, negated: false });
    if (type === 'boolean') SCHEMA_FLAGS.set(`no-${name}`, { key, option: { type }, negated: true });
  }
}

const PRESET_FLAG = 'preset';

/** Every paper-vs-reference switch of the schema: `--paper-switches` turns them all on, `--no-paper-switches` off. */
export const PAPER_SWITCHES = (Object.entries(CONFIG_SCHEMA) as [ConfigKey, OptionSpec][])
  .filter(([, spec]) => spec.kind === 'switch' && spec.paper)
  .map(([key]) => key);
const PAPER_SWITCHES_FLAG = 'paper-switches';

/** The model / training flags: the schema's and the paper-switches shorthand. */
const CONFIG_OPTIONS: Record<string, flags.FlagOption> = {
  ...Object.fromEntries([...SCHEMA_FLAGS].map(([name, { option }]) => [name, option])),
  [PAPER_SWITCHES_FLAG]: { type: 'boolean' },
  [`no-${PAPER_SWITCHES_FLAG}`]: { type: 'boolean' },
  [PRESET_FLAG]: { type: 'string' },
};

/** Every flag parseArgs accepts: the runner's and the model / training flags. */
const OPTIONS: Record<string, flags.FlagOption> = { ...RUNNER_FLAGS, ...CONFIG_OPTIONS };

/**
 * A switch also takes an explicit value, `--switch true|false` or `--switch=false`; parseArgs knows
 * booleans only as `--switch` / `--no-switch`, so those spellings are rewritten first.
 */
function explicitSwitches(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [, name, inline] = /^--([^=]+)(?:=(.*))?$/s.exec(argv[i]) ?? [];
    const flag = name === undefined ? undefined : SCHEMA_FLAGS.get(name);
    if (!flag || flag.negated || flag.option.type !== 'boolean') {
      out.push(argv[i]);
      continue;
    }
    let value = inline;
    if (value === undefined && (argv[i + 1] === 'true' || argv[i + 1] === 'false')) value = argv[++i];
    if (value !== undefined && value !== 'true' && value !== 'false')
      throw new ArgsError(`--${name} takes true or false (got ${value}).`);
    out.push(value === 'false' ? `--no-${name}` : `--${name}`);
  }
  return out;
}

function schemaValue(key: ConfigKey, spec: OptionSpec, raw: string | undefined): number | string {
  if (spec.kind === 'number') {
    const v = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(v))
      throw new ArgsError(`--${kebab(key)} needs a number (got ${raw || 'nothing'}).`);
    return v;
  }
  if (spec.kind === 'choice' && raw !== undefined) return raw;
  // parseArgs gives every string flag a value, so only a schema kind added later gets here.
  throw new ArgsError(`--${kebab(key)} has no value.`);
}

/**
 * Parses `--flag value`, `--flag=value`, boolean `--flag` (also `--flag true|false`) and
 * `--no-flag`. Throws ArgsError.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  return flags.parse(explicitSwitches(argv), OPTIONS, ArgsError, readFlags);
}

/**
 * Model / training flags alone (a sweep row's): `--flag value`, switches as in parseArgs, and
 * `--paper-switches`. Throws ArgsError.
 */
export function parseConfigArgs(argv: readonly string[]): Partial<TrainConfig> {
  return flags.parse(explicitSwitches(argv), CONFIG_OPTIONS, ArgsError, (tokens) => {
    const config: Record<string, unknown> = {};
    let preset: PresetName | null = null;
    for (const { name, value } of tokens)
      if (name === PRESET_FLAG) preset = flags.oneOf(name, value, PRESET_NAMES);
      else readConfigFlag(name, value, config);
    return checkedConfig(withPreset(preset, config));
  });
}

/**
 * A preset's options (src/core/presets.ts: those of the UI's picker) under the flags given, which
 * win whatever their order; a timed preset leaves the steps to a budget.
 */
function withPreset(preset: PresetName | null, config: Record<string, unknown>): Record<string, unknown> {
  return preset ? { ...presetOptions(preset), ...config } : config;
}

/** Sets the option(s) of one model / training flag in `config`. */
function readConfigFlag(flag: string, value: string | undefined, config: Record<string, unknown>): void {
  if (flag === PAPER_SWITCHES_FLAG || flag === `no-${PAPER_SWITCHES_FLAG}`) {
    for (const key of PAPER_SWITCHES) config[key] = flag === PAPER_SWITCHES_FLAG;
    return;
  }
  const schemaFlag = SCHEMA_FLAGS.get(flag);
  // parseArgs rejects flags missing from the options, so only one added there without a case here.
  if (!schemaFlag) throw new ArgsError(`Unhandled flag --${flag}.`);
  const { key, negated } = schemaFlag;
  const spec = CONFIG_SCHEMA[key] as OptionSpec;
  config[key] = isSwitch(spec) ? !negated : schemaValue(key, spec, value);
}

/** Fails on a bad value before anything is built or launched. */
function checkedConfig(config: Record<string, unknown>): Partial<TrainConfig> {
  try {
    validateConfig({ ...BENCH_DEFAULTS, ...config });
  } catch (e) {
    throw new ArgsError((e as Error).message);
  }
  return config as Partial<TrainConfig>;
}

function readFlags(tokens: readonly flags.FlagToken[]): ParsedArgs {
  const runner: Partial<RunnerOptions> = { backend: 'wasm', build: 'auto', progressMs: 2000 };
  const config: Record<string, unknown> = {};
  let help = false;
  let budgets: number[] | null = null;
  let preset: PresetName | null = null;
  for (const { name: flag, value } of tokens) {
    if (flag === 'help') help = true;
    else if (flag === PRESET_FLAG) preset = flags.oneOf(flag, value, PRESET_NAMES);
    else if (flag === 'no-build') runner.build = 'never';
    else if (flag === 'build') runner.build = 'always';
    else if (flag === 'data' || flag === 'textures' || flag === 'out' || flag === 'dist' || flag === 'export')
      runner[flag] = flags.pathValue(flag, value);
    else if (flag === 'teacher-weights') runner.teacherWeights = flags.pathValue(flag, value);
    else if (flag === 'backend') runner.backend = flags.oneOf(flag, value, BACKENDS);
    else if (flag in COUNT_FLAGS)
      runner[COUNT_FLAGS[flag as keyof typeof COUNT_FLAGS]] = flags.wholeNumber(flag, value, 1);
    else if (flag === 'minutes') budgets = minuteList(flag, value);
    else if (flag === 'sweep') runner.sweep = flags.pathValue(flag, value);
    else if (flag === 'resume') runner.resume = true;
    else readConfigFlag(flag, value, config);
  }
  if (!help && !runner.data) throw new ArgsError('--data <category folder> is required.');
  if (budgets && config.steps !== undefined)
    throw new ArgsError('--minutes sets the steps: give --minutes or --steps, not both.');
  if (runner.resume && !(runner.sweep && runner.out))
    throw new ArgsError('--resume goes on with a sweep: give --sweep and --out <the sweep file>.');
  if (budgets && budgets.length > 1 && !runner.sweep)
    throw new ArgsError('Several budgets (--minutes a,b) need --sweep; one run takes one budget.');
  // A timed preset is a budget unless the steps or another budget are given.
  const minutes = preset ? presetMinutes(preset) : null;
  if (minutes !== null && !budgets && config.steps === undefined) budgets = [minutes];
  return {
    runner: runner as RunnerOptions,
    budgets,
    config: checkedConfig(withPreset(preset, config)),
    help,
  };
}

/** `2`, `0.5` or `2,10,30`: positive minutes. */
function minuteList(flag: string, raw: string | undefined): number[] {
  const parts = (raw ?? '').split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v) || v <= 0))
    throw new ArgsError(`--${flag} needs positive minutes, e.g. 2 or 2,10,30 (got ${raw || 'nothing'}).`);
  return values;
}

/** Help text: the runner flags, then every schema option with its range and default. */
export function usage(): string {
  const lines = [
    'Usage: npm run bench -- --data <category folder> [flags]',
    '       npm run bench -- --data <category folder> --sweep <rows> --minutes <m> [common flags]',
    '',
    'Runner:',
    ...flags.helpLines(RUNNER_FLAGS, 20),
    '',
    'Model and training (CONFIG_SCHEMA):',
  ];
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
  lines.push(
    `  --${PAPER_SWITCHES_FLAG}, --no-${PAPER_SWITCHES_FLAG}`,
    `      every paper switch on / off (${PAPER_SWITCHES.join(', ')})`,
    `  --${PRESET_FLAG} {${PRESET_NAMES.join('|')}}`,
    '      the options of a preset of the Train panel (gradient norms included), under the flags given;',
    '      quick and standard train for their minutes (--minutes 2 or 10) unless --steps or --minutes is given',
  );
  return lines.join('\n');
}
