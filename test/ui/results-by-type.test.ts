import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config';
import { filterByType, typeRows } from '../../src/ui/results/by-type';
import { byScore } from '../../src/ui/results/order';
import type { DatasetImageInfo, EvaluationSummary } from '../../workers/session-api';

const info = (path: string, defectType: string, label: 0 | 1): DatasetImageInfo => ({
  path,
  split: 'test',
  defectType,
  label,
  hasMask: label === 1,
});
const tests = [
  info('c/test/good/0.png', 'good', 0),
  info('c/test/crack/0.png', 'crack', 1),
  info('c/test/good/1.png', 'good', 0),
  info('c/test/scratch/0.png', 'scratch', 1),
  info('c/test/crack/1.png', 'crack', 1),
];
const metrics = { f1: 1, threshold: 0.5 };
const summary: EvaluationSummary = {
  runId: 'r',
  config: validateConfig({}),
  step: 1,
  metrics: {
    imageAuroc: 0.9,
    pixelAuroc: 0.9,
    proFullRange: 0.9,
    proMvtec03: 0.9,
    f1Image: metrics,
    f1Pixel: metrics,
  },
  roc: { x: [], y: [] },
  rocPixel: { x: [], y: [] },
  pro: { x: [], y: [] },
  scores: [0.1, 0.9, 0.6, 0.3, 0.8],
  labels: [0, 1, 0, 1, 1],
  selected: [-1, -1, -1, -1, -1],
  perType: {
    crack: { images: 2, imageAuroc: 1, pixelAuroc: 0.95, proFullRange: 0.8, proMvtec03: 0.7 },
    scratch: { images: 1, imageAuroc: 0.5, pixelAuroc: 0.6, proFullRange: 0.4, proMvtec03: 0.3 },
  },
  msPerImage: 1,
};

describe('results per defect type', () => {
  it('one row per type with its count, flagged count and the image AUROC of that type', () => {
    expect(typeRows(summary, tests, 0.5)).toEqual([
      { type: 'good', count: 2, flagged: 1, imageAuroc: null, pixelAuroc: null, proMvtec03: null },
      { type: 'crack', count: 2, flagged: 2, imageAuroc: 1, pixelAuroc: 0.95, proMvtec03: 0.7 },
      { type: 'scratch', count: 1, flagged: 0, imageAuroc: 0.5, pixelAuroc: 0.6, proMvtec03: 0.3 },
    ]);
  });

  it('the counts cover every test image once', () => {
    const rows = typeRows(summary, tests, 0);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(summary.scores.length);
    expect(rows.reduce((n, r) => n + r.flagged, 0)).toBe(summary.scores.length);
  });

  it('filters the score order by type and keeps it sorted', () => {
    const order = byScore(summary.scores);
    expect(order).toEqual([1, 4, 2, 3, 0]);
    expect(filterByType(order, summary.labels, tests, 'crack')).toEqual([1, 4]);
    expect(filterByType(order, summary.labels, tests, 'good')).toEqual([2, 0]);
    expect(filterByType(order, summary.labels, tests, null)).toEqual(order);
    expect(filterByType(order, summary.labels, tests, 'missing')).toEqual([]);
  });

  it('without the dataset summary (an imported model) defect images count as "anomalous"', () => {
    expect(typeRows(summary, null, 0.5).map((r) => [r.type, r.count])).toEqual([
      ['good', 2],
      ['anomalous', 3],
    ]);
  });
});
