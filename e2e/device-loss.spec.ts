import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED, serveFolder } from './helpers/serve-folder';

const STEPS = 4;
const CHECKPOINT_EVERY = 2;

/** The run record and the checkpoint's size as stored in the page's IndexedDB right now. */
async function storedRun(page: import('@playwright/test').Page, runId: string) {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dmgrd-playground');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const get = (store: string) =>
      new Promise<unknown>((resolve, reject) => {
        const req = db.transaction(store).objectStore(store).get(id);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    const record = (await get('runs')) as { step: number; checkpointStep?: number; hasCheckpoint: boolean };
    // runs-db stores the checkpoint as a Blob, an ArrayBuffer or an index of parts ({ parts, bytes }).
    const checkpoint = (await get('checkpoints')) as Blob | ArrayBuffer | { bytes: number } | undefined;
    db.close();
    const bytes =
      checkpoint instanceof Blob
        ? checkpoint.size
        : checkpoint instanceof ArrayBuffer
          ? checkpoint.byteLength
          : (checkpoint?.bytes ?? 0);
    return { record, bytes };
  }, runId);
}

/**
 * Opens the app on WebGPU with a tiny session (RD unless `model` says otherwise) on three bottle
 * images; resolves to its run id.
 */
async function tinySession(
  page: import('@playwright/test').Page,
  extra: string[] = [],
  model: 'rd' | 'dmgrd' = 'rd',
): Promise<string> {
  await page.goto('/?automation=1&backend=webgpu&demo=0');
  await page.waitForFunction(() => window.__engine !== undefined);
  const paths = await serveFolder(page, join(SHARED, 'data/mvtec-fullres-subset/bottle'), 'bottle', [
    'train/good/000.png',
    'train/good/001.png',
    'train/good/002.png',
    'test/good/000.png',
    ...extra,
  ]);
  return page.evaluate(
    async ({ paths, model }) => {
      const engine = window.__engine!;
      const info = await engine.init({ backend: 'webgpu' });
      if (info.backend !== 'webgpu') throw new Error(`expected webgpu, got ${info.backend}`);
      const files = await Promise.all(
        paths.map(async (p) => ({ path: p, file: await (await fetch(`/__data__/${p}`)).blob() })),
      );
      await engine.loadDataset(files, { taskId: 'load', size: 32 });
      const session = await engine.createSession(
        {
          teacher: 'mobilenet_v2',
          model,
          imageSize: 32,
          batchSize: 2,
          steps: 4,
          gradNormEvery: 0,
          memoryItems: 3,
        },
        { taskId: 'create' },
      );
      return session.runId;
    },
    { paths, model },
  );
}

// A lost GPU (driver reset, tab in the background too long) must cost at most the steps since the
// last checkpoint: the worker notices, tells the user, builds a new backend and trains on.
test('training resumes from the last checkpoint after the WebGPU device is lost', async ({ page }) => {
  test.setTimeout(300_000);
  const t0 = Date.now();
  const mark = (what: string) =>
    console.log(`device-loss: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const runId = await tinySession(page);
  mark('session created');

  // Train in the background; lose the device once a checkpoint beyond the first is saved.
  await page.evaluate(
    ({ steps, every }) => {
      const w = window as unknown as { __train: Promise<unknown> };
      w.__train = window.__engine!.train({ taskId: 'train', untilStep: steps, checkpointEvery: every }).then(
        (r) => ({ ok: true, r }),
        (e: Error) => ({ ok: false, message: e.message }),
      );
    },
    { steps: STEPS, every: CHECKPOINT_EVERY },
  );
  await page.waitForFunction(
    () => window.__engineEvents!.some((e) => e.type === 'checkpoint' && e.step >= 2),
    undefined,
    { timeout: 200_000 },
  );
  mark('checkpoint 2 saved');
  expect(await page.evaluate(() => window.__engine!.debugLoseDevice())).toBe(true);
  const lost = await page.evaluate(() => {
    const ev = window.__engineEvents!;
    const steps = ev.flatMap((e) => (e.type === 'step' ? [e.report.step] : []));
    const checkpoints = ev.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : []));
    return { lastStep: Math.max(...steps), lastCheckpoint: Math.max(...checkpoints) };
  });

  // The stored checkpoint is the one saved before the loss, intact.
  await page.waitForFunction(() => window.__engineEvents!.some((e) => e.type === 'device-lost'));
  const stored = await storedRun(page, runId);
  expect(stored.record.hasCheckpoint).toBe(true);
  expect(stored.record.checkpointStep).toBeGreaterThanOrEqual(lost.lastCheckpoint);
  expect(stored.bytes).toBeGreaterThan(1000);

  // The user is told, with the step the run is safe up to and where training continues.
  const banner = page.getByTestId('recovery-banner');
  await expect(banner).toHaveAttribute('data-phase', 'resumed', { timeout: 120_000 });
  mark('resumed');
  await expect(banner).toHaveAttribute('data-cause', 'device-lost');
  await expect(banner.getByTestId('recovery-message')).toContainText('The GPU was lost (destroyed)');
  await expect(banner.getByTestId('recovery-message')).toContainText(
    `Your run is safe up to step ${stored.record.checkpointStep}`,
  );
  await expect(banner.getByTestId('recovery-message')).toContainText('Training continues on');

  const outcome = await page.evaluate(async () => {
    const result = await (window as unknown as { __train: Promise<unknown> }).__train;
    const ev = window.__engineEvents!;
    const recoveries = ev.flatMap((e) => (e.type === 'recovery' ? [e] : []));
    const resumedAt = ev.findIndex((e) => e.type === 'recovery' && e.phase === 'resumed');
    const after = ev.slice(resumedAt).flatMap((e) => (e.type === 'step' ? [e.report] : []));
    return {
      result,
      recoveries,
      after: after.map((r) => ({ step: r.step, finite: Object.values(r.loss).every(Number.isFinite) })),
      backend: (await window.__engine!.backendInfo())?.backend,
      lost: ev.filter((e) => e.type === 'device-lost').length,
      memory: await window.__engine!.memory(),
    };
  });
  mark('finished');
  expect(outcome.result).toEqual({ ok: true, r: { step: STEPS, paused: false } });
  expect(outcome.lost).toBe(1);
  expect(outcome.recoveries.map((r) => r.phase)).toEqual(['recovering', 'resumed']);
  const resumed = outcome.recoveries[1];
  // SwiftShader hands out a new device; WASM would be the fallback.
  expect(resumed.backend).toBe(outcome.backend);
  expect(['webgpu', 'wasm']).toContain(resumed.backend);
  expect(resumed.savedStep).toBe(stored.record.checkpointStep);
  expect(resumed.failedStep).toBeGreaterThanOrEqual(lost.lastStep);
  // Training continued from the checkpoint past the step where the device was lost.
  expect(outcome.after[0].step).toBe(resumed.savedStep + 1);
  expect(outcome.after.at(-1)!.step).toBe(STEPS);
  expect(STEPS).toBeGreaterThan(lost.lastStep);
  expect(outcome.after.every((r) => r.finite)).toBe(true);
  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', resumed.backend);
  console.log(
    `device-loss: lost at step ${lost.lastStep}, saved ${resumed.savedStep}, resumed on ${resumed.backend}`,
  );
  expect(errors).toEqual([]);
});

// Evaluating after a loss (the GPU went away while the model sat idle) restores the model from the
// run's last checkpoint on a new backend and evaluates it, instead of failing until the next train.
test('evaluation recovers from the last checkpoint after the WebGPU device is lost', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // One defect image with its mask, so image and pixel metrics are defined.
  await tinySession(page, ['test/broken_large/000.png', 'ground_truth/broken_large/000_mask.png']);
  const out = await page.evaluate(async () => {
    const engine = window.__engine!;
    const trained = await engine.train({ taskId: 'train', untilStep: 2, checkpointEvery: 2 });
    const lostDevice = await engine.debugLoseDevice();
    const events = window.__engineEvents!;
    while (!events.some((e) => e.type === 'device-lost')) await new Promise((r) => setTimeout(r, 20));
    const summary = await engine.evaluate({ taskId: 'evaluate' });
    return {
      trained,
      lostDevice,
      step: summary.step,
      metrics: summary.metrics,
      scores: summary.scores.length,
      recoveries: events.flatMap((e) => (e.type === 'recovery' ? [e] : [])),
      evaluations: events.filter((e) => e.type === 'evaluation').length,
      backend: (await engine.backendInfo())?.backend,
    };
  });
  expect(out.trained).toEqual({ step: 2, paused: false });
  expect(out.lostDevice).toBe(true);
  expect(out.recoveries.map((r) => [r.phase, r.activity, r.cause])).toEqual([
    ['recovering', 'evaluation', 'device-lost'],
    ['resumed', 'evaluation', 'device-lost'],
  ]);
  const resumed = out.recoveries[1];
  expect(resumed.savedStep).toBe(2);
  expect(resumed.backend).toBe(out.backend);
  expect(resumed.message).toContain('The GPU was lost (destroyed). Your run is safe up to step 2.');
  expect(resumed.message).toContain('Evaluation continues on');
  // The restored model is the checkpointed one, evaluated on both test images.
  expect(out.step).toBe(2);
  expect(out.scores).toBe(2);
  expect(out.evaluations).toBe(1);
  expect(Number.isFinite(out.metrics.imageAuroc)).toBe(true);
  expect(Number.isFinite(out.metrics.pixelAuroc)).toBe(true);
  const banner = page.getByTestId('recovery-banner');
  await expect(banner).toHaveAttribute('data-phase', 'resumed');
  await expect(banner).toHaveAttribute('data-activity', 'evaluation');
  expect(errors).toEqual([]);
});

// The memory explorer and the checkpoint export after a loss work on the run restored from its last
// checkpoint, like evaluation, instead of failing on the dead device.
test('the memory explorer and export recover after the WebGPU device is lost', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await tinySession(page, [], 'dmgrd');
  const out = await page.evaluate(async () => {
    const engine = window.__engine!;
    await engine.train({ taskId: 'train', untilStep: 2, checkpointEvery: 2 });
    const lostDevice = await engine.debugLoseDevice();
    const events = window.__engineEvents!;
    while (!events.some((e) => e.type === 'device-lost')) await new Promise((r) => setTimeout(r, 20));
    const explored = await engine.explore(0);
    const bytes = await engine.exportCheckpoint();
    return {
      lostDevice,
      normalItems: explored.normal.sources.length,
      exportedBytes: bytes.byteLength,
      recoveries: events.flatMap((e) => (e.type === 'recovery' ? [e] : [])),
      backend: (await engine.backendInfo())?.backend,
      step: (await engine.sessionInfo())?.step,
    };
  });
  expect(out.lostDevice).toBe(true);
  // One recovery, by the explorer; the export runs on the restored model.
  expect(out.recoveries.map((r) => [r.phase, r.activity, r.cause])).toEqual([
    ['recovering', 'exploring', 'device-lost'],
    ['resumed', 'exploring', 'device-lost'],
  ]);
  expect(out.recoveries[1].message).toContain(
    'Your run is safe up to step 2. The memory explorer continues on',
  );
  expect(out.recoveries[1].backend).toBe(out.backend);
  expect(out.normalItems).toBe(3);
  expect(out.exportedBytes).toBeGreaterThan(1000);
  expect(out.step).toBe(2);
  await expect(page.getByTestId('recovery-banner')).toHaveAttribute('data-activity', 'exploring');
  expect(errors).toEqual([]);
});
