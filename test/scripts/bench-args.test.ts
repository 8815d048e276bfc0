import { describe, expect, it } from 'vitest';
import { ArgsError, BENCH_DEFAULTS, parseArgs, usage } from '../../scripts/bench/args';
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

  it('lists every schema option in the help text', () => {
    const text = usage();
    for (const key of Object.keys(CONFIG_SCHEMA))
      expect(text).toContain(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    expect(text).toContain(`${BENCH_DEFAULTS.gradNormEvery} (UI: ${CONFIG_SCHEMA.gradNormEvery.default})`);
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
