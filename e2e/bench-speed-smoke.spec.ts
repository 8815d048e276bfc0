import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpeedArgs } from '../scripts/speed/args';
import { formatSpeedTable, SPEED_REPORT_FORMAT, type SpeedReport } from '../scripts/speed/report';
import { runSpeedBench, writeSpeedReport } from '../scripts/speed/run';

// The speed benchmark end to end at CI size (--quick: 64 px, one repeat, batches 1,2 / train 2) on
// the light teacher, WASM, both methods. Structure only: speed is the benchmark's job, not a test's.
// Registered TF.js kernel names (PascalCase, `_Fused...`), never op scopes like 'unnamed scope'.
const KERNEL_NAME = /^_?[A-Z][A-Za-z0-9]*$/;

test('bench:speed --quick: times, FLOPs, peak and top ops for mobilenet_v2 RD and DM-GRD', async () => {
  test.setTimeout(300_000);
  const { options } = parseSpeedArgs([
    '--quick',
    '--teachers',
    'mobilenet_v2',
    '--no-build',
    '--dist',
    process.env.E2E_DIST ?? 'dist',
  ]);
  expect(options).toMatchObject({ imageSize: 64, repeats: 1, inferBatches: [1, 2], trainBatches: [2] });
  const lines: string[] = [];
  const partials: number[] = [];
  const report = await runSpeedBench(options, {
    log: (l) => lines.push(l),
    onPartial: (r) => partials.push(r.cases.length),
  });
  const dir = mkdtempSync(join(tmpdir(), 'speed-smoke-'));
  try {
    const back = JSON.parse(
      readFileSync(writeSpeedReport(report, join(dir, 's.json')), 'utf8'),
    ) as SpeedReport;
    expect(back.format).toBe(SPEED_REPORT_FORMAT);
    expect(back.backend?.backend).toBe('wasm');
    expect(back.host.loadStart.loadavg).toHaveLength(3);
    // Peak measurement: every matmul size up to --matmul-n (512 in quick mode) and the conv.
    expect(back.peak!.matmulSizes.map((m) => m.n)).toEqual([512]);
    expect(back.peak!.matmul.gflops).toBeGreaterThan(0);
    expect(back.peak!.conv.gflops).toBeGreaterThan(0);
    expect(back.cases.map((c) => `${c.teacher}/${c.method}`)).toEqual([
      'mobilenet_v2/dmgrd',
      'mobilenet_v2/rd',
    ]);
    // A partial report after the peak and after every phase (2 cases x infer + train-b2).
    expect(partials.length).toBe(5);
    for (const c of back.cases) {
      expect(c.errors).toEqual([]);
      const inf = c.infer!;
      expect(inf.inference.map((r) => r.batch)).toEqual([1, 2]);
      for (const r of inf.inference) {
        expect(r.msPerImage.median).toBeGreaterThan(0);
        expect(r.msPerImage.runs).toHaveLength(1);
        expect(r.msPerBatch.median).toBeCloseTo(r.msPerImage.median * r.batch, 6);
      }
      expect(inf.teacherWeights).toMatch(/served/);
      expect(c.train).toHaveLength(1);
      expect(c.train[0].training!.median).toBeGreaterThan(0);
      for (const prof of [inf.inferProfile!, c.train[0].trainProfile!]) {
        expect(prof.flops).toBeGreaterThan(0);
        expect(Number.isFinite(prof.gflops)).toBe(true);
        expect(prof.gflops).toBeGreaterThan(0);
        expect(prof.peakBytes).toBeGreaterThan(0);
        expect(prof.top.length).toBeGreaterThan(0);
        expect(prof.top.length).toBeLessThanOrEqual(10);
        for (const op of prof.top) expect(op.name).toMatch(KERNEL_NAME);
        expect(prof.top.some((op) => /Conv2D|BatchMatMul/.test(op.name))).toBe(true);
      }
      // A training step does at least the forward work of a batch-2 inference, plus its backward.
      expect(c.train[0].trainProfile!.flops).toBeGreaterThan(inf.inferProfile!.flops);
      expect(inf.memory.peakBytes).toBeGreaterThan(0);
      expect(inf.memory.wasmHeapBytes).toBeGreaterThan(0);
    }
    // DM-GRD adds memory select and MSFF to the same teacher + student.
    const [dm, rd] = back.cases;
    expect(dm.infer!.inferProfile!.flops).toBeGreaterThan(rd.infer!.inferProfile!.flops);
    expect(dm.infer!.trainableParams).toBeGreaterThan(rd.infer!.trainableParams);
    expect(back.rows).toHaveLength(2);
    for (const r of back.rows) {
      expect(r.inferGflopPerImage).toBeGreaterThan(0);
      expect(Number.isFinite(r.pctOfPeak.infer)).toBe(true);
    }
    // 64 px: no PyTorch figure at that size, so no ratio.
    expect(back.referenceRatio).toEqual([]);
    const table = formatSpeedTable(back);
    expect(table).toMatch(/^mobilenet_v2 +dmgrd +\d/m);
    expect(table).toMatch(/top ops mobilenet_v2\/rd training: /);
    expect(lines.some((l) => /mobilenet_v2\/rd train-b2: done/.test(l))).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
