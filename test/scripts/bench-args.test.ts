import { describe, expect, it } from 'vitest';
import { ArgsError, BENCH_DEFAULTS, parseArgs, parseConfigArgs, usage } from '../../scripts/bench/args';
import { PRESETS, presetConfig, presetOptions } from '../../src/core/presets';
import { selectDatasetFiles } from '../../scripts/bench/dataset-files';
import { CONFIG_SCHEMA } from '../../src/core/config';
import { SHARED } from '../helpers/golden';

describe('bench flags', () => {
  it('maps aliases, kebab- and camel-case schema keys and switches onto the config', () => {
    const p = parseArgs([
      '--data',
      'x',
      '--teacher',
      'efficientnet_b0',
      '--size',
      '128',
      '--batch=4',
      '--memory-items',
      '10',
      '--imageScoreTopK',
      '50',
      '--paper-select',
      '--no-paperBeta',
      '--paperLambda',
      'false',
      '--seed',
      '7',
    ]);
    expect(p.config).toEqual({
      teacher: 'efficientnet_b0',
      imageSize: 128,
      batchSize: 4,
      memoryItems: 10,
      imageScoreTopK: 50,
      paperSelect: true,
      paperBeta: false,
      paperLambda: false,
      seed: 7,
    });
    expect(p.runner).toMatchObject({ data: 'x', backend: 'wasm', build: 'auto' });
  });

  it('takes the runner flags', () => {
    const p = parseArgs([
      '--data',
      'd',
      '--no-build',
      '--backend',
      'webgpu',
      '--max-test-per-type',
      '3',
      '--out',
      'o.json',
    ]);
    expect(p.runner).toMatchObject({
      data: 'd',
      build: 'never',
      backend: 'webgpu',
      maxTestPerType: 3,
      out: 'o.json',
    });
  });

  it('rejects unknown flags, bad values and a missing --data before running anything', () => {
    expect(() => parseArgs(['--data', 'd', '--bogus', '1'])).toThrow(ArgsError);
    expect(() => parseArgs(['--data', 'd', '--teacher', 'vgg'])).toThrow(/Teacher must be one of/);
    expect(() => parseArgs(['--data', 'd', '--size', '1000'])).toThrow(/between 32 and 512/);
    expect(() => parseArgs(['--data', 'd', '--steps', 'many'])).toThrow(/needs a number/);
    expect(() => parseArgs(['--size', '64'])).toThrow(/--data/);
  });

  it('takes --flag value and --flag=value alike, and the last spelling of an option wins', () => {
    const spaced = parseArgs(['--data', 'd', '--steps', '30', '--teacher', 'resnet18', '--max-train', '5']);
    const inline = parseArgs(['--data=d', '--steps=30', '--teacher=resnet18', '--max-train=5']);
    expect(inline).toEqual(spaced);
    expect(spaced.config).toEqual({ steps: 30, teacher: 'resnet18' });
    expect(spaced.runner.maxTrain).toBe(5);
    expect(parseArgs(['--data', 'd', '--size', '64', '--image-size=128']).config.imageSize).toBe(128);
    expect(parseArgs(['--data', 'd', '--imageSize', '128', '--size', '64']).config.imageSize).toBe(64);
  });

  it('reads boolean flags bare, negated and with an explicit true / false', () => {
    expect(parseArgs(['--data', 'd', '--build']).runner.build).toBe('always');
    expect(parseArgs(['--data', 'd', '--build', '--no-build']).runner.build).toBe('never');
    expect(
      parseArgs([
        '--data',
        'd',
        '--paper-select=false',
        '--paperBeta',
        'true',
        '--paper-triplet',
        '--no-paper-sinkhorn',
        '--paper-lambda=true',
      ]).config,
    ).toEqual({
      paperSelect: false,
      paperBeta: true,
      paperTriplet: true,
      paperSinkhorn: false,
      paperLambda: true,
    });
    // The word after a bare switch is not its value unless it is true / false.
    expect(() => parseArgs(['--data', 'd', '--paper-select', 'maybe'])).toThrow(
      /Unexpected argument 'maybe'/,
    );
    expect(() => parseArgs(['--data', 'd', '--paper-select=yes'])).toThrow(
      /--paper-select takes true or false/,
    );
    expect(() => parseArgs(['--data', 'd', '--build=yes'])).toThrow(/'--build' does not take an argument/);
    expect(() => parseArgs(['--data', 'd', '--no-steps'])).toThrow(/Unknown option '--no-steps'/);
    for (const h of ['--help', '-h', '--h']) expect(parseArgs([h]).help).toBe(true);
  });

  it('names the flag in a one-line ArgsError for an unknown flag, a missing value or a stray word', () => {
    const message = (argv: string[]): string => {
      try {
        parseArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(ArgsError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${argv.join(' ')}`);
    };
    for (const [argv, text] of [
      [['--data', 'd', '--bogus', '1'], "Unknown option '--bogus'. Run with --help for the list."],
      [['--data'], "Option '--data <value>' argument missing"],
      [['--data', 'd', '--steps'], "Option '--steps <value>' argument missing"],
      [['--data', 'd', 'extra'], "Unexpected argument 'extra'"],
      [['--data', 'd', '--out', '--build'], "Option '--out' argument is ambiguous."],
      [['--data='], '--data needs a path.'],
      [['--data', 'd', '--backend', 'metal'], '--backend must be webgpu, wasm, webgl, cpu or auto.'],
      [['--data', 'd', '--max-train', '0'], '--max-train needs a positive whole number.'],
    ] as const) {
      const m = message([...argv]);
      expect(m).toContain(text);
      expect(m).not.toContain('\n');
    }
  });

  it('prints the runner flag table in the help text', () => {
    const text = usage();
    expect(text).toMatch(/^ {2}--data {17}dataset category folder \(required\)/m);
    expect(text).toMatch(/^ {2}--no-build {13}never build/m);
  });

  it('lists every schema option in the help text', () => {
    const text = usage();
    for (const key of Object.keys(CONFIG_SCHEMA))
      expect(text).toContain(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    expect(text).toContain(`${BENCH_DEFAULTS.gradNormEvery} (UI: ${CONFIG_SCHEMA.gradNormEvery.default})`);
  });
});

describe('bench --preset', () => {
  it('takes the Train panel preset, under the flags given, and a timed one as its budget', () => {
    const quick = parseArgs(['--data', 'x', '--preset', 'quick']);
    const { steps: _, ...quickOptions } = presetConfig('quick');
    expect(quick.config).toEqual(quickOptions);
    expect(quick.budgets).toEqual([PRESETS.quick.minutes]);
    // Flags win whatever their order; --steps or --minutes replace the preset's budget.
    const edited = parseArgs(['--data', 'x', '--batch', '2', '--preset', 'standard', '--steps', '40']);
    expect(edited.config).toMatchObject({ ...presetOptions('standard'), batchSize: 2, steps: 40 });
    expect(edited.budgets).toBeNull();
    expect(parseArgs(['--data', 'x', '--preset', 'standard', '--minutes', '3']).budgets).toEqual([3]);
  });

  it('Paper is the reference run with its fixed steps', () => {
    const paper = parseArgs(['--data', 'x', '--preset', 'paper']);
    expect(paper.budgets).toBeNull();
    expect(paper.config).toEqual(presetConfig('paper'));
    expect(paper.config.steps).toBe(5000);
  });

  it('refuses an unknown preset and lists the known ones in the help', () => {
    expect(() => parseArgs(['--data', 'x', '--preset', 'fast'])).toThrow(/quick, standard or paper/);
    expect(usage()).toContain('--preset {quick|standard|paper}');
    expect(parseConfigArgs(['--preset', 'quick', '--size', '64'])).toEqual({
      ...presetOptions('quick'),
      imageSize: 64,
    });
  });
});

describe('bench dataset subset', () => {
  const bottle = `${SHARED}/data/mvtec-256/bottle`;

  it('serves the whole folder by default', () => {
    const all = selectDatasetFiles(bottle);
    expect(all.filter((p) => p.startsWith('train/'))).toHaveLength(209);
    expect(all.filter((p) => p.startsWith('test/'))).toHaveLength(83);
    expect(all.filter((p) => p.startsWith('ground_truth/'))).toHaveLength(63);
  });

  it('keeps the first images of each folder and only the masks of kept test images', () => {
    const some = selectDatasetFiles(bottle, { maxTrain: 10, maxTestPerType: 2 });
    expect(some.filter((p) => p.startsWith('train/'))).toEqual(
      Array.from({ length: 10 }, (_, i) => `train/good/${String(i).padStart(3, '0')}.png`),
    );
    expect(some.filter((p) => p.startsWith('test/'))).toHaveLength(8);
    expect(some.filter((p) => p.startsWith('ground_truth/')).sort()).toEqual(
      ['broken_large', 'broken_small', 'contamination'].flatMap((t) => [
        `ground_truth/${t}/000_mask.png`,
        `ground_truth/${t}/001_mask.png`,
      ]),
    );
  });
});
