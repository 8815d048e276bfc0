import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readPth } from '../src/core/io/pth';
import { REPORT_FORMAT, type BenchReport } from '../scripts/bench/report';
import { BenchError, runBenchmark, writeReport } from '../scripts/bench/run';
import { runSweep } from '../scripts/bench/sweep';
import { parseSweepSpec } from '../scripts/bench/sweep-spec';
import { SWEEP_FORMAT, type SweepResult } from '../scripts/bench/sweep-table';
import { SHARED } from './helpers/serve-folder';

// The benchmark runner end to end at CI size: its own preview server and Chromium, the real MVTec
// bottle images (a subset), the light teacher at 64 px, WASM. `.ci/run` builds dist/ (or E2E_DIST)
// before this.
const BOTTLE = join(SHARED, 'data/mvtec-256/bottle');
const DIST = process.env.E2E_DIST ?? 'dist';

test('bench runner: trains, evaluates and writes a well-formed report', async () => {
  test.setTimeout(600_000);
  const lines: string[] = [];
  const exported = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const report = await runBenchmark({
    export: exported,
    data: BOTTLE,
    backend: 'wasm',
    build: 'never',
    dist: DIST,
    maxTrain: 40,
    maxTestPerType: 5,
    config: {
      teacher: 'mobilenet_v2',
      model: 'dmgrd',
      imageSize: 64,
      batchSize: 4,
      steps: 30,
      memoryItems: 10,
    },
    log: (l) => lines.push(l),
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const path = writeReport(report, join(dir, 'r.json'));
    const back = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
    expect(back.format).toBe(REPORT_FORMAT);
    expect(back.config).toMatchObject({
      teacher: 'mobilenet_v2',
      imageSize: 64,
      steps: 30,
      gradNormEvery: 0,
    });
    expect(back.backend.backend).toBe('wasm');
    expect(back.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(back.dataset.counts.train).toBe(40);
    // 20 test images: 5 of each of the four types, all scored with path and label.
    expect(back.images).toHaveLength(20);
    expect(back.images.filter((i) => i.label === 1)).toHaveLength(15);
    for (const i of back.images) {
      expect(i.path).toMatch(/^bottle\/test\/\w+\/\d+\.png$/);
      expect(i.label).toBe(i.defectType === 'good' ? 0 : 1);
      expect(Number.isFinite(i.score)).toBe(true);
    }
    expect(back.history.map((h) => h.step)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(back.history.every((h) => Number.isFinite(h.loss.total))).toBe(true);
    expect(back.curves.roc.x.length).toBe(back.curves.roc.y.length);
    expect(back.curves.pro.x.length).toBeGreaterThan(1);
    expect(back.timings.msPerStep).toBeGreaterThan(0);
    expect(back.timings.msPerImage).toBeGreaterThan(0);
    expect(back.memory.peakBytes).toBeGreaterThan(0);
    for (const k of ['imageAuroc', 'pixelAuroc', 'proFullRange', 'proMvtec03'] as const) {
      expect(back.metrics[k]).toBeGreaterThanOrEqual(0);
      expect(back.metrics[k]).toBeLessThanOrEqual(1);
    }
    expect(back.metrics.imageAuroc).toBeGreaterThan(0.7);
    // Each defect type on its own, against the 5 good images; bottle is in the paper's tables.
    expect(Object.keys(back.perType).sort()).toEqual(['broken_large', 'broken_small', 'contamination']);
    for (const t of Object.values(back.perType)) {
      expect(t.images).toBe(5);
      for (const v of [t.imageAuroc, t.pixelAuroc, t.proFullRange, t.proMvtec03]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    expect(back.paper?.category).toBe('bottle');
    expect(lines.some((l) => /^step +30\/30 .*steps\/s/.test(l))).toBe(true);
    // --export: the three exports under the Export panel's names, each as large as it says.
    const base = 'bottle-dmgrd-mobilenet_v2-step30';
    expect(back.exports.map((e) => [e.kind, basename(e.path)])).toEqual([
      ['pytorch', `${base}-pytorch.zip`],
      ['report', `${base}-report.html`],
      ['web', `${base}-web.zip`],
    ]);
    for (const e of back.exports) expect(statSync(e.path).size).toBe(e.bytes);
    const weights = readPth(unzipSync(readFileSync(back.exports[0].path))['bottle/best_model.pt']);
    expect(weights.has('msff.blk1.conv1.weight')).toBe(true);
    const html = readFileSync(back.exports[1].path, 'utf8');
    expect(html).toContain(
      `data-testid="report-metric-i-auroc">${(back.metrics.imageAuroc * 100).toFixed(2)} %<`,
    );
    const web = unzipSync(readFileSync(back.exports[2].path));
    for (const f of ['index.html', 'detector.js', 'model/model.json', 'model/weights.safetensors'])
      expect(web[`${base}-web/${f}`], f).toBeDefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(exported, { recursive: true, force: true });
  }
});

test('bench runner: a folder that is not a dataset is a clear error', async () => {
  test.setTimeout(120_000);
  const folder = join(SHARED, 'data/mvtec-256/bottle/ground_truth');
  expect(existsSync(folder)).toBe(true);
  const run = runBenchmark({
    data: folder,
    build: 'never',
    dist: DIST,
    config: { imageSize: 64 },
    log: () => {},
  });
  await expect(run).rejects.toBeInstanceOf(BenchError);
  await expect(run).rejects.toThrow(/not a usable dataset/);
});

test('bench sweep: a budgeted row and a failing row in one table', async () => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  try {
    const out = await runSweep({
      runner: {
        data: BOTTLE,
        backend: 'wasm',
        build: 'never',
        dist: DIST,
        maxTrain: 20,
        maxTestPerType: 2,
        progressMs: 2000,
        out: join(dir, 'sweep.md'),
      },
      common: { teacher: 'mobilenet_v2', imageSize: 64, batchSize: 2, memoryItems: 10 },
      // resnet18's weights are not served: that run fails and the sweep goes on.
      rows: parseSweepSpec('RD: --model rd; no weights: --teacher resnet18'),
      minutes: [0.1],
      command: 'bench-smoke',
      log: () => {},
    });
    const back = JSON.parse(readFileSync(out.jsonPath, 'utf8')) as SweepResult;
    expect(back.format).toBe(SWEEP_FORMAT);
    expect(back.rows.map((r) => r.name)).toEqual(['RD', 'no weights']);
    const [rd, failed] = back.rows;
    expect(rd.error).toBeNull();
    // The probe's time per step set the steps; the run trained exactly those.
    expect(rd.budget?.minutes).toBe(0.1);
    expect(rd.budget?.probeTimedSteps).toBe(3);
    expect(rd.budget?.probeMsPerStep).toBeGreaterThan(0);
    expect(rd.steps).toBe(rd.budget?.steps);
    expect(rd.config?.steps).toBe(rd.steps);
    expect(Object.keys(rd.perTypeImageAuroc).sort()).toEqual([
      'broken_large',
      'broken_small',
      'contamination',
    ]);
    const report = JSON.parse(readFileSync(rd.report!, 'utf8')) as BenchReport;
    expect(report.history.map((h) => h.step)).toEqual(Array.from({ length: rd.steps! }, (_, k) => k + 1));
    expect(failed.error).toMatch(/resnet18/i);
    expect(back.paper?.category).toBe('bottle');
    const md = readFileSync(out.markdownPath, 'utf8');
    expect(md).toMatch(/^\| RD \| 0\.1 min \| [\d.]+ \|/m);
    expect(md).toMatch(/^\| no weights \| 0\.1 min \| failed: /m);
    expect(md).toMatch(/^\| paper \(DM-GRD, WideResNet50\) \|/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
