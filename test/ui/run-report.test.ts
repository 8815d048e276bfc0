import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, defaultConfig, type ConfigKey } from '../../src/core/config';
import { encodePng, pngDataUrl } from '../../src/core/io/png-writer';
import type { StepReport } from '../../src/core/train/trainer';
import { renderReport, REPORT_CSP } from '../../src/report/html';
import { esc, logTicks, niceTicks } from '../../src/report/svg';
import type { RunReport } from '../../src/report/types';
import { confusionAt, HISTOGRAM_BINS, scoreHistogram } from '../../src/ui/results/threshold';
import { fmt, pct } from '../../src/ui/results/view';

const step = (i: number): StepReport => ({
  step: i,
  lr: 1e-3,
  loss: { kd: 1 / i, ot: 0, con: 0.3, se: 3, total: 1 / i + 0.4 },
  gradNorm: i % 2 ? { kd: 0.5, ot: 0, con: 0.1, se: 0 } : null,
  selected: null,
  batchSize: 8,
  ms: 1000,
});

function report(): RunReport {
  const scores = [0.1, 0.2, 0.35, 0.3, 0.6, 0.7, 0.25];
  const labels = [0, 0, 0, 1, 1, 1, 1];
  const overlay = pngDataUrl(encodePng(new Uint8Array(4 * 4 * 4).fill(200), 4, 4));
  const metrics = {
    imageAuroc: 0.75,
    pixelAuroc: 0.9123,
    proFullRange: 0.81,
    proMvtec03: 0.5,
    f1Image: { f1: 0.8, threshold: 0.3 },
    f1Pixel: { f1: 0.4, threshold: 0.12 },
  };
  return {
    createdAt: '2026-12-06T12:00:00.000Z',
    config: defaultConfig(),
    dataset: {
      category: 'bottle <&>',
      layout: 'mvtec',
      size: 256,
      counts: { train: 10, test: { good: 3, broken: 4 }, testTotal: 7, masks: 4, ignored: 0 },
      textures: 0,
      problems: 1,
    },
    history: Array.from({ length: 10 }, (_, i) => step(i + 1)),
    evaluation: {
      step: 10,
      metrics,
      roc: { x: [0, 0.5, 1], y: [0, 0.75, 1] },
      rocPixel: { x: [0, 0.1, 1], y: [0, 0.8, 1] },
      pro: { x: [0, 0.3, 1], y: [0, 0.6, 0.9] },
      scores,
      labels,
      msPerImage: 120,
    },
    perType: [
      {
        defectType: 'broken',
        count: 4,
        imageAuroc: 0.75,
        pixelAuroc: 0.9,
        proFullRange: 0.8,
        proMvtec03: 0.6,
        meanScore: 0.4625,
        flagged: 3,
      },
    ],
    choices: {
      imageThreshold: 0.3,
      pixelThreshold: 0.12,
      view: { opacity: 0.5, colormap: 'jet', showMask: true, showSeg: true },
      backend: 'WASM, 2 threads (SIMD), 2 logical cores',
    },
    bestImageThreshold: 0.3,
    falsePositives: [
      { index: 2, path: 'bottle/test/good/002.png', defectType: 'good', score: 0.35, overlay },
    ],
    falseNegatives: [
      { index: 6, path: 'bottle/test/broken/003.png', defectType: 'broken', score: 0.25, overlay },
    ],
    examplesShown: 8,
    times: { trainMs: 10_000, steps: 10, msPerStep: 1000 },
  };
}

describe('the run report', () => {
  const r = report();
  const html = renderReport(r);

  it('is one self-contained page: a CSP that forbids every request, no script, no external reference', () => {
    expect(html).toContain(`content="${REPORT_CSP}"`);
    expect(REPORT_CSP).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script(?![^>]*type="application\/json")/);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toMatch(/url\(/);
    expect(html).toContain('bottle &#60;&#38;&#62;');
  });

  it('shows the Results tab’s figures with its formatting', () => {
    expect(html).toContain(`data-testid="report-metric-i-auroc">${pct(0.75)}<`);
    expect(html).toContain(`data-testid="report-metric-p-auroc">${pct(0.9123)}<`);
    expect(html).toContain(`data-testid="report-image-threshold">${fmt(0.3)}<`);
    const conf = confusionAt(r.evaluation.scores, r.evaluation.labels, 0.3);
    expect(html).toContain(`data-testid="report-tp">${conf.tp}<`);
    expect(html).toContain(`data-testid="report-fp">${conf.fp}<`);
    const hist = scoreHistogram(r.evaluation.scores, r.evaluation.labels, HISTOGRAM_BINS);
    const titles = [...html.matchAll(/<title>(\d+) (normal|anomalous) in /g)];
    expect(titles).toHaveLength(2 * HISTOGRAM_BINS);
    expect(titles.filter((t) => t[2] === 'normal').map((t) => Number(t[1]))).toEqual(hist.normal);
    expect(titles.filter((t) => t[2] === 'anomalous').map((t) => Number(t[1]))).toEqual(hist.anomalous);
  });

  it('lists the mistakes with their overlays, the per-type rows, the curves, the backend and times', () => {
    expect(html).toMatch(/data-testid="report-false-positives">.*bottle\/test\/good\/002\.png/s);
    expect(html).toMatch(/data-testid="report-false-negatives">.*bottle\/test\/broken\/003\.png/s);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(html).toMatch(/data-testid="report-per-type">.*broken.*3 \/ 4/s);
    for (const id of [
      'report-curve-roc',
      'report-curve-roc-pixel',
      'report-curve-pro',
      'report-loss',
      'report-grad',
    ])
      expect(html).toContain(`data-testid="${id}"`);
    expect(html).toContain('WASM, 2 threads (SIMD), 2 logical cores');
    expect(html).toContain('10 steps in this session, 0:10 (1000 ms per step)');
  });

  it('lists the dataset and every configuration option with its value', () => {
    const dataset = /<h2>Dataset<\/h2>(.*?)<\/section>/s.exec(html)![1];
    expect(dataset).toContain('<td>Training images</td><td>10</td>');
    expect(dataset).toContain('<td>Test images</td><td>7 (good 3, broken 4)</td>');
    expect(dataset).toContain('<td>Ground-truth masks</td><td>4</td>');
    expect(dataset).toContain('<td>Stored size</td><td>256 × 256 px</td>');
    const config = /data-testid="report-config">(.*?)<\/table>/s.exec(html)![1];
    const rows = [...config.matchAll(/<tr><td>(.*?)<\/td><td><code>(.*?)<\/code><\/td>/g)];
    const keys = Object.keys(CONFIG_SCHEMA) as ConfigKey[];
    expect(rows.map((m) => m[1])).toEqual(keys.map((k) => esc(CONFIG_SCHEMA[k].label)));
    expect(rows.map((m) => m[2])).toEqual(keys.map((k) => esc(String(r.config[k]))));
  });

  it('carries its numbers as a JSON data block without the images', () => {
    const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1];
    const data = JSON.parse(json) as RunReport;
    expect(data.evaluation.scores).toEqual(r.evaluation.scores);
    expect(data.falsePositives[0]).not.toHaveProperty('overlay');
  });

  it('says when gradient norms were off, and picks round axis ticks', () => {
    const off = renderReport({ ...r, history: r.history.map((h) => ({ ...h, gradNorm: null })) });
    expect(off).toContain('Gradient norms were not measured');
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 20)).toEqual([5, 10, 15, 20]);
    expect(logTicks(0.3, 3)).toEqual([0.5, 1, 2]);
    expect(logTicks(1e-12, 2)).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1]);
  });
});
