import { getNiceTickValues } from 'recharts';
import { describe, expect, it } from 'vitest';
import { defaultConfig, needsImportedWeights, SERVED_TEACHERS, TEACHERS } from '../../src/core/config';
import { draftOf, parseDraft } from '../../src/state/config-draft';
import { downsample, forLog } from '../../src/ui/train/downsample';
import { formatAxisTick } from '../../src/ui/train/format';
import {
  MAX_POINTS,
  gradChartEmptyText,
  gradRows,
  lossRows,
  lrRows,
  overlayRows,
} from '../../src/ui/train/series';
import type { StepReport } from '../../workers/engine-api';

const report = (step: number, measured: boolean): StepReport => ({
  step,
  lr: 0.001 * step,
  loss: { kd: 1 / step, ot: 0, con: 0.5, se: 3, total: 1 / step + 0.3 },
  gradNorm: measured ? { kd: 2, ot: 0, con: 0.1, se: 0 } : null,
  selected: null,
  batchSize: 2,
  ms: 10,
});

describe('downsample', () => {
  it('keeps short series whole and copies them', () => {
    const xs = [1, 2, 3];
    const out = downsample(xs, 5);
    expect(out).toEqual(xs);
    expect(out).not.toBe(xs);
  });

  it('caps long series at max points, keeping both ends in order', () => {
    const xs = Array.from({ length: 10_001 }, (_, i) => i);
    const out = downsample(xs, 500);
    expect(out).toHaveLength(500);
    expect(out[0]).toBe(0);
    expect(out[499]).toBe(10_000);
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
  });

  it('turns non-positive values into gaps on log axes only', () => {
    expect(forLog(0, true)).toBeNull();
    expect(forLog(-1, true)).toBeNull();
    expect(forLog(0, false)).toBe(0);
    expect(forLog(2, true)).toBe(2);
  });
});

describe('chart rows', () => {
  const history = Array.from({ length: 2000 }, (_, i) => report(i + 1, i % 10 === 0));

  it('draws at most MAX_POINTS (250) loss points', () => {
    const rows = lossRows(history, false);
    expect(MAX_POINTS).toBe(250);
    expect(rows).toHaveLength(MAX_POINTS);
    expect(rows[MAX_POINTS - 1]).toMatchObject({ step: 2000, ot: 0, se: 3 });
    expect(lossRows(history, true)[0].ot).toBeNull();
  });

  it('plots gradient norms only at measured steps', () => {
    const rows = gradRows(history, false);
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => ((r.step as number) - 1) % 10 === 0)).toBe(true);
  });

  it('draws rounding noise below zero at 0, so the loss axis starts at 0', () => {
    const noisy = report(1, true);
    noisy.loss.ot = -3e-9;
    noisy.gradNorm!.ot = -1e-10;
    const [loss] = lossRows([noisy], false);
    const [grad] = gradRows([noisy], false);
    expect(loss.ot).toBe(0);
    expect(grad.ot).toBe(0);
    // A value clearly below zero is a fault, not rounding: it stays visible.
    noisy.loss.con = -0.5;
    expect(lossRows([noisy], false)[0].con).toBe(-0.5);
  });

  it('says why the gradient chart is empty', () => {
    expect(gradChartEmptyText(0)).toBe('Gradient norms are off (Per-term gradient norms every = 0).');
    expect(gradChartEmptyText(25)).toBe('No data yet: the norms are measured every 25 steps, from step 1.');
    expect(gradChartEmptyText(1)).toBe('No data yet: the norms are measured every step.');
  });

  it('overlays two runs on one step axis', () => {
    const rows = overlayRows([history.slice(0, 3), history.slice(0, 2)], 'kd');
    expect(rows).toEqual([
      { step: 1, run0: 1, run1: 1 },
      { step: 2, run0: 0.5, run1: 0.5 },
      { step: 3, run0: 1 / 3 },
    ]);
  });
});

describe('config form draft', () => {
  it('round-trips the defaults', () => {
    expect(parseDraft(draftOf(defaultConfig()))).toEqual({ config: defaultConfig(), error: null });
  });

  it('reports the schema error for an out-of-range or empty field', () => {
    const draft = draftOf(defaultConfig());
    expect(parseDraft({ ...draft, batchSize: '1' }).error).toBe('Batch must be between 2 and 32 (got 1).');
    expect(parseDraft({ ...draft, steps: ' ' }).error).toBe('Steps is empty.');
    expect(parseDraft({ ...draft, lr: '0.0001', minLr: '0.001' }).error).toBe(
      'Min LR must not exceed the learning rate.',
    );
    expect(parseDraft({ ...draft, statsClean: true }).error).toBe(
      'Statistics from clean images needs Final BatchNorm statistics above 0.',
    );
    expect(parseDraft({ ...draft, statsClean: true, statsBatches: '32' }).config).toMatchObject({
      statsClean: true,
      statsBatches: 32,
    });
    expect(parseDraft({ ...draft, mapSigma: '17' }).error).toBe(
      'Map blur σ must be between 0 and 16 (got 17).',
    );
    expect(parseDraft({ ...draft, imageSize: '64', paperBeta: true }).config).toMatchObject({
      imageSize: 64,
      paperBeta: true,
    });
  });
});

describe('axis ticks', () => {
  // Learning-rate axes as Recharts draws them: its own "nice" ticks over the data's range.
  const domains: [number, number][] = [
    [0, 0.005],
    [0, 0.00015],
    [1e-4, 1.6e-4],
    [0, 5e-4],
    [1e-4, 3e-4],
    [1e-6, 1e-5],
    [0, 25_000],
    [0.2, 3.7],
  ];

  it('labels every tick of an axis differently (two "1e-4" ticks before)', () => {
    for (const domain of domains) {
      const ticks = getNiceTickValues(domain, 5, true) as number[];
      const labels = ticks.map(formatAxisTick);
      expect(new Set(labels).size, `${domain}: ${labels.join(' ')}`).toBe(ticks.length);
    }
  });

  it('labels a tick with its value', () => {
    expect(formatAxisTick(0)).toBe('0');
    expect(formatAxisTick(0.00012)).toBe('1.2e-4');
    expect(formatAxisTick(0.0001)).toBe('1e-4');
    expect(formatAxisTick(0.0045)).toBe('0.0045');
    expect(formatAxisTick(3.5)).toBe('3.5');
    expect(formatAxisTick(25_000)).toBe('2.5e+4');
    for (const domain of domains)
      for (const v of getNiceTickValues(domain, 5, true) as number[])
        expect(Number(formatAxisTick(v))).toBeCloseTo(v, 12);
  });

  it('puts the learning rate of each step on the chart', () => {
    expect(lrRows([report(1, false), report(2, false)])).toEqual([
      { step: 1, lr: 0.001 },
      { step: 2, lr: 0.002 },
    ]);
  });
});

describe('teacher picker', () => {
  it('knows which teachers need an imported checkpoint', () => {
    expect(TEACHERS.filter(needsImportedWeights)).toEqual(['resnet18', 'resnet34', 'wide_resnet50_2']);
    expect(SERVED_TEACHERS.every((t) => !needsImportedWeights(t))).toBe(true);
  });
});
