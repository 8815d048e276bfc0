import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED, serveFolder } from './helpers/serve-folder';

// Training needs gradient kernels that inference never touches; this runs a few DM-GRD steps (every
// loss term, per-term gradient norms, reference and paper modes) on WebGPU (SwiftShader here) at a
// tiny size, so a missing kernel or a blocking read that loses the device fails here.
test('DM-GRD trains and evaluates on WebGPU', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/?automation=1&backend=webgpu');
  await page.waitForFunction(() => window.__engine !== undefined);
  const paths = await serveFolder(page, join(SHARED, 'data/mvtec-fullres-subset/bottle'), 'bottle');
  const result = await page.evaluate(async (paths) => {
    const engine = window.__engine!;
    const info = await engine.init({ backend: 'webgpu' });
    const files = await Promise.all(
      paths.map(async (p) => ({ path: p, file: await (await fetch(`/__data__/${p}`)).blob() })),
    );
    await engine.loadDataset(files, { taskId: 'load', size: 32 });
    const runs = [];
    for (const paper of [false, true]) {
      await engine.createSession(
        {
          teacher: 'mobilenet_v2',
          imageSize: 32,
          batchSize: 2,
          steps: 2,
          memoryItems: 3,
          gradNormEvery: 1,
          paperSelect: paper,
          paperSinkhorn: paper,
          paperTriplet: paper,
        },
        { taskId: `create-${paper}` },
      );
      await engine.train({ taskId: `train-${paper}`, checkpointEvery: 0 });
      const evaluation = await engine.evaluate({ taskId: `eval-${paper}` });
      runs.push({
        evaluation,
        steps: window
          .__engineEvents!.filter((e) => e.type === 'step')
          .map((e) => (e.type === 'step' ? e.report : null)),
      });
    }
    return {
      backend: info.backend,
      runs,
      lost: window.__engineEvents!.some((e) => e.type === 'device-lost'),
    };
  }, paths);
  expect(result.backend).toBe('webgpu');
  expect(result.lost).toBe(false);
  for (const run of result.runs) {
    expect(run.evaluation.scores.every(Number.isFinite)).toBe(true);
  }
  const reports = result.runs[1].steps.filter((r) => r !== null);
  expect(reports).toHaveLength(4);
  for (const r of reports) {
    expect(Object.values(r!.loss).every(Number.isFinite)).toBe(true);
    expect(r!.gradNorm!.kd).toBeGreaterThan(0);
  }
  // Paper mode (the second run) trains the memories through L_SE.
  expect(reports[3]!.gradNorm!.se).toBeGreaterThan(0);
});
