import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED, serveFolder } from './helpers/serve-folder';

// The whole worker pipeline through the automation hook, on WASM: load a real MVTec folder, build
// the memories, train a few steps, evaluate, export and re-import with identical scores.
test('worker session: load, train, evaluate, export and import', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/?automation=1&backend=wasm');
  await page.waitForFunction(() => window.__engine !== undefined);
  const paths = await serveFolder(page, join(SHARED, 'data/mvtec-fullres-subset/bottle'), 'bottle');
  const result = await page.evaluate(async (paths) => {
    const engine = window.__engine!;
    await engine.init({ backend: 'wasm' });
    const files = await Promise.all(
      paths.map(async (p) => ({ path: p, file: await (await fetch(`/__data__/${p}`)).blob() })),
    );
    const summary = await engine.loadDataset(files, { taskId: 'load', size: 64 });
    await engine.createSession(
      { teacher: 'mobilenet_v2', imageSize: 64, batchSize: 2, steps: 4, memoryItems: 3 },
      { taskId: 'create' },
    );
    const trained = await engine.train({ taskId: 'train' });
    const evaluation = await engine.evaluate({ taskId: 'eval' });
    const explore = await engine.explore(0);
    const bytes = await engine.exportCheckpoint();
    await engine.importCheckpoint(bytes, { taskId: 'import' });
    const again = await engine.evaluate({ taskId: 'eval2' });
    const steps = window.__engineEvents!.filter((e) => e.type === 'step').length;
    return {
      summary,
      trained,
      evaluation,
      again,
      steps,
      explore: { n: explore.normal.image.length, degenerate: explore.degenerate },
    };
  }, paths);
  expect(result.summary.counts.train).toBe(5);
  expect(result.summary.counts.testTotal).toBe(10);
  expect(result.trained).toEqual({ step: 4, paused: false });
  expect(result.steps).toBe(4);
  expect(result.evaluation.scores).toHaveLength(10);
  expect(result.again.scores).toEqual(result.evaluation.scores);
  expect(result.explore.n).toBe(3);
  expect(result.explore.degenerate?.reachableSlots).toEqual([0, 1, 2]);
});
