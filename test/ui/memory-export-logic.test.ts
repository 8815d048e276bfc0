import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config';
import type { BankExploration, EvaluationSummary } from '../../workers/session-api';
import { cosineAt, rankDescending } from '../../src/ui/memory/rank';
import { checkpointFileName } from '../../src/core/export/plan';
import { heatmapFileName, resultsCsv, resultsJson } from '../../src/ui/export/formats';

/** Two items; level 0 is a 2x2 grid, level 1 a 1x1 grid. */
function bank(): BankExploration {
  return {
    sources: [7, 3],
    image: [0.2, 0.6],
    // item 0: [0.9, 0.1, 0.1, 0.1], item 1: [0.0, 0.5, 0.5, 0.5]
    levels: [
      { h: 2, w: 2, cos: new Float32Array([0.9, 0.1, 0.1, 0.1, 0.0, 0.5, 0.5, 0.5]) },
      { h: 1, w: 1, cos: new Float32Array([0.3, 0.4]) },
    ],
    selected: 1,
    ranking: [0.2, 0.6],
    difference: [],
  };
}

describe('memory re-ranking', () => {
  it('maps the clicked pixel to each level grid cell', () => {
    const b = bank();
    // Top-left pixel: level 0 cell (0,0), level 1 the only cell.
    expect(cosineAt(b, 10, 10, 256, 0)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0, 6)]);
    expect(cosineAt(b, 10, 10, 256, 1)).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
    expect(cosineAt(b, 10, 10, 256, 'mean')).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.2, 6)]);
    // Bottom-right pixel, and the last pixel stays inside the grid.
    expect(cosineAt(b, 255.9, 255.9, 256, 0)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(0.5, 6)]);
    expect(cosineAt(b, 0.99, 0.01, 1, 0)).toEqual([expect.closeTo(0.1, 6), expect.closeTo(0.5, 6)]);
  });

  it('ranks highest first with ties in slot order', () => {
    expect(rankDescending([0.1, 0.5, 0.5, -1])).toEqual([1, 2, 0, 3]);
    const b = bank();
    expect(rankDescending(cosineAt(b, 10, 10, 256, 'mean'))).toEqual([0, 1]);
    expect(rankDescending(b.image)).toEqual([1, 0]);
  });
});

const summary: EvaluationSummary = {
  runId: 'run-42',
  config: validateConfig({ steps: 12, imageSize: 128 }),
  step: 12,
  metrics: {
    imageAuroc: 1,
    pixelAuroc: 0.9,
    proFullRange: 0.8,
    proMvtec03: 0.7,
    f1Image: { f1: 1, threshold: 0.5 },
    f1Pixel: { f1: 0.5, threshold: 0.3 },
  },
  roc: { x: [0, 1], y: [0, 1] },
  rocPixel: { x: [0, 1], y: [0, 1] },
  pro: { x: [0, 1], y: [0, 1] },
  scores: [0.25, 0.75],
  labels: [0, 1],
  selected: [9, 19],
  perType: {},
  msPerImage: 3,
};

describe('result files', () => {
  it('writes one CSV row per test image with quoting where needed', () => {
    const csv = resultsCsv(
      summary,
      [
        { path: 'bottle/test/good/000.png', split: 'test', defectType: 'good', label: 0, hasMask: false },
        {
          path: 'bottle/test/odd,name/001.png',
          split: 'test',
          defectType: 'odd,name',
          label: 1,
          hasMask: true,
        },
      ],
      0.5,
    );
    expect(csv.trim().split('\n')).toEqual([
      'path,label,score,defect_type,predicted',
      'bottle/test/good/000.png,0,0.25,good,0',
      '"bottle/test/odd,name/001.png",1,0.75,"odd,name",1',
    ]);
    expect(resultsCsv(summary, null, 0.8).trim().split('\n')[2]).toBe('test/1,1,0.75,,0');
  });

  it('round-trips the evaluation through JSON', () => {
    const parsed = JSON.parse(resultsJson(summary, { dataset: 'bottle' })) as EvaluationSummary & {
      dataset: string;
    };
    expect(parsed.dataset).toBe('bottle');
    expect(parsed.scores).toEqual(summary.scores);
    expect(parsed.metrics.proMvtec03).toBe(0.7);
  });

  it('names the run and the whole configuration of the model it scores, first in the file', () => {
    const text = resultsJson(summary, { dataset: 'bottle', imageThreshold: 0.5 });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(0, 4)).toEqual(['runId', 'config', 'dataset', 'imageThreshold']);
    expect(parsed.runId).toBe('run-42');
    expect(parsed.config).toEqual(summary.config);
    expect((parsed.config as { imageSize: number }).imageSize).toBe(128);
    expect(JSON.parse(resultsJson({ ...summary, runId: null })).runId).toBeNull();
  });

  it('names files portably', () => {
    expect(checkpointFileName('dmgrd', 'bottle', 'mobilenet_v2_0.35', 40)).toBe(
      'dmgrd-bottle-mobilenet_v2_0.35-step40.safetensors',
    );
    expect(checkpointFileName('dmgrd', 'my data/set', 'wrn50', 0)).toBe(
      'dmgrd-my_data_set-wrn50-step0.safetensors',
    );
    expect(heatmapFileName('bottle/test/broken_large/000.png', 3)).toBe(
      'heatmap-bottle_test_broken_large_000.png',
    );
    expect(heatmapFileName(undefined, 3)).toBe('heatmap-test-3.png');
  });
});
