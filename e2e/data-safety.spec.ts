import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { RunRecord, SessionInfo, TrainConfig } from '../workers/engine-api';

// Data safety of the runs stored in IndexedDB: a page killed while a checkpoint is being written
// leaves a consistent run that resumes; two tabs training at once keep their runs apart; another
// tab upgrading the store does not hang this one; a full storage quota is reported in the UI.

const TINY: Partial<TrainConfig> = {
  teacher: 'mobilenet_v2',
  imageSize: 64,
  batchSize: 2,
  steps: 1000,
  memoryItems: 3,
};

declare global {
  interface Window {
    /** performance.now() of each engine event, parallel to window.__engineEvents. */
    __eventTimes?: number[];
  }
}

/** Opens an automation page with the tiny demo dataset loaded on WASM. */
async function openEngine(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/?automation=1&backend=wasm&sw=0');
  await page.waitForFunction(() => window.__engine !== undefined && window.__engineEvents !== undefined);
  await page.evaluate(async () => {
    const events = window.__engineEvents!;
    // Events already received get no time (NaN), so indices stay parallel.
    const times: number[] = (window.__eventTimes = events.map(() => NaN));
    const push = events.push.bind(events);
    events.push = (...items) => {
      for (let i = 0; i < items.length; i++) times.push(performance.now());
      return push(...items);
    };
    await window.__engine!.init({ backend: 'wasm' });
    await window.__engine!.loadDemoDataset({ taskId: 'demo', size: 64 });
  });
  return page;
}

const listRuns = (page: Page): Promise<RunRecord[]> => page.evaluate(() => window.__engine!.listRuns());

/** Starts training in the page without waiting for it (it runs until the page dies or `until`). */
async function startTraining(page: Page, until: number): Promise<void> {
  await page.evaluate((until) => {
    void window
      .__engine!.train({ taskId: 'train', untilStep: until, checkpointEvery: 1 })
      .catch(() => undefined);
  }, until);
}

/** Waits for the `step` event of `step`, or later, and returns the step it saw. */
async function waitForStep(page: Page, step: number): Promise<number> {
  const handle = await page.waitForFunction(
    (step) => {
      const last = window.__engineEvents!.filter((e) => e.type === 'step').at(-1);
      return last && last.type === 'step' && last.report.step >= step ? last.report.step : false;
    },
    step,
    { polling: 5, timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}

/** Milliseconds from a step's event to its `checkpoint` event (the save: encode + IndexedDB write). */
async function saveDurations(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const ev = window.__engineEvents!;
    const t = window.__eventTimes!;
    const out: number[] = [];
    for (let i = 0; i < ev.length; i++) {
      if (ev[i].type !== 'checkpoint') continue;
      for (let j = i - 1; j >= 0; j--)
        if (ev[j].type === 'step') {
          out.push(t[i] - t[j]);
          break;
        }
    }
    return out;
  });
}

/** The stored pair is consistent and resumes: record step = checkpoint step = restored step. */
async function expectConsistent(page: Page, id: string): Promise<{ record: RunRecord; info: SessionInfo }> {
  const record = (await listRuns(page)).find((r) => r.id === id);
  expect(record, `run ${id} survives`).toBeDefined();
  expect(record!.hasCheckpoint).toBe(true);
  expect(record!.checkpointStep).toBe(record!.step);
  expect(record!.history.map((h) => h.step)).toEqual(Array.from({ length: record!.step }, (_, i) => i + 1));
  const info = await page.evaluate((id) => window.__engine!.openRun(id, { taskId: 'resume' }), id);
  expect(info.runId).toBe(id);
  expect(info.step).toBe(record!.step);
  expect(info.config).toEqual(record!.config);
  return { record: record!, info };
}

async function kill(page: Page, how: 'crash' | 'close'): Promise<void> {
  if (how === 'close') {
    await page.close({ runBeforeUnload: false });
    return;
  }
  const cdp = await page.context().newCDPSession(page);
  // The renderer (and with it the engine worker) dies at once; the call itself never answers.
  await Promise.race([cdp.send('Page.crash').catch(() => undefined), page.waitForEvent('crash')]);
  await page.close().catch(() => undefined);
}

test('a run killed mid-save at several moments stays consistent and resumes', async ({ context }) => {
  test.setTimeout(180_000);
  let page = await openEngine(context);
  const created = await page.evaluate(
    (cfg) => window.__engine!.createSession(cfg, { taskId: 'create' }),
    TINY,
  );
  const id = created.runId;
  await startTraining(page, 1000);
  // A few saves to learn how long one takes on this machine.
  await page.waitForFunction(() => window.__engineEvents!.filter((e) => e.type === 'checkpoint').length >= 2);
  const save = (await saveDurations(page)).at(-1)!;

  // Kill at several points of a save (fractions of its measured length after the step event).
  const moments: { at: number; how: 'crash' | 'close' }[] = [
    { at: 0.1, how: 'crash' },
    { at: 0.5, how: 'close' },
    { at: 0.9, how: 'crash' },
  ];
  const outcomes: string[] = [];
  let reached = 0;
  for (const [i, m] of moments.entries()) {
    const seen = await waitForStep(page, reached + 1);
    await new Promise((r) => setTimeout(r, m.at * save));
    await kill(page, m.how);
    page = await openEngine(context);
    const { record } = await expectConsistent(page, id);
    // Never behind the last resumed step, never ahead of the last step trained.
    expect(record.step).toBeGreaterThanOrEqual(reached);
    expect(record.step).toBeLessThanOrEqual(seen + 1);
    outcomes.push(
      `kill ${i + 1} (${m.how}, ${Math.round(m.at * save)} ms after step ${seen}): stored step ${record.step}`,
    );
    reached = record.step;
    // The resumed session trains further (and is killed again in the next iteration).
    await startTraining(page, 1000);
  }
  await waitForStep(page, reached + 1);
  test.info().annotations.push({
    type: 'kills',
    description: `save ≈ ${save.toFixed(0)} ms; ${outcomes.join('; ')}`,
  });
});

test('two tabs training at once keep their runs apart; an upgrade elsewhere does not hang them', async ({
  context,
}) => {
  test.setTimeout(180_000);
  const [a, b] = await Promise.all([openEngine(context), openEngine(context)]);
  const cfgA = { ...TINY, memoryItems: 3, lr: 0.005 };
  const cfgB = { ...TINY, memoryItems: 4, lr: 0.001 };
  const create = (p: Page, cfg: Partial<TrainConfig>) =>
    p.evaluate((cfg) => window.__engine!.createSession(cfg, { taskId: 'create' }), cfg);
  const [sa, sb] = await Promise.all([create(a, cfgA), create(b, cfgB)]);
  expect(sa.runId).not.toBe(sb.runId);
  const train = (p: Page, until: number) =>
    p.evaluate(
      (until) => window.__engine!.train({ taskId: 'train', untilStep: until, checkpointEvery: 1 }),
      until,
    );
  // Both train (and save after every step) at the same time.
  expect(await Promise.all([train(a, 2), train(b, 1)])).toEqual([
    { step: 2, paused: false },
    { step: 1, paused: false },
  ]);

  const runs = await listRuns(a);
  expect(runs.map((r) => r.id).sort()).toEqual([sa.runId, sb.runId].sort());
  const ra = runs.find((r) => r.id === sa.runId)!;
  const rb = runs.find((r) => r.id === sb.runId)!;
  expect(ra.config).toEqual(sa.config);
  expect(rb.config).toEqual(sb.config);
  expect([ra.step, ra.checkpointStep, ra.history.length]).toEqual([2, 2, 2]);
  expect([rb.step, rb.checkpointStep, rb.history.length]).toEqual([1, 1, 1]);
  // Each checkpoint belongs to its run: resumed crosswise, each brings back its own config and step.
  const resume = (p: Page, id: string) =>
    p.evaluate((id) => window.__engine!.openRun(id, { taskId: 'resume' }), id);
  const [ib, ia] = await Promise.all([resume(a, sb.runId), resume(b, sa.runId)]);
  expect([ia.config, ia.step, ia.memorySources!.normal.length]).toEqual([sa.config, 2, 3]);
  expect([ib.config, ib.step, ib.memorySources!.normal.length]).toEqual([sb.config, 1, 4]);
  expect(await Promise.all([train(b, 3), train(a, 2)])).toEqual([
    { step: 3, paused: false },
    { step: 2, paused: false },
  ]);

  // A newer build opening the store in another tab (a DB_VERSION bump) is not blocked by these
  // two tabs: they close their connection and say to reload.
  const upgrade = await a.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const req = indexedDB.open('dmgrd-playground', 2);
        req.onblocked = () => resolve('blocked');
        req.onsuccess = () => {
          req.result.close();
          resolve('upgraded');
        };
        req.onerror = () => resolve(`error: ${req.error?.message}`);
      }),
  );
  expect(upgrade).toBe('upgraded');
  for (const p of [a, b])
    expect(
      await p.evaluate(() =>
        window.__engine!.listRuns().then(
          () => 'listed',
          (e: Error) => e.message,
        ),
      ),
    ).toMatch(/reload this page/);
});

test('a full storage quota is reported in the UI; training goes on and stored runs stay', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // Enough steps that training is still running once the smaller quota is in force.
  const STEPS = 12;
  await page.goto('/?backend=wasm&sw=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 60_000 });
  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill(String(STEPS));
  await page.getByTestId('cfg-memoryItems').fill('3');
  await page.getByTestId('cfg-checkpointEvery').fill('1');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-checkpoint')).toContainText('saved at step 1', { timeout: 60_000 });

  // From now on every checkpoint write fails the way a full quota fails it: the transaction aborts
  // with a QuotaExceededError. (CDP's Storage.overrideQuotaForOrigin would be the natural tool, but
  // in headless Chromium 156 it changes nothing: navigator.storage.estimate() keeps ~10 GiB and
  // writes go on succeeding.) Injected in the engine worker, where the writes happen.
  const engineWorker = page.workers().find((w) => w.url().includes('engine.worker'));
  expect(engineWorker, 'the engine worker is running').toBeTruthy();
  await engineWorker!.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
      if (this.name !== 'checkpoints') return put.apply(this, args);
      const tx = this.transaction as IDBTransaction & { quotaFailed?: boolean };
      if (!tx.quotaFailed) {
        tx.quotaFailed = true;
        Object.defineProperty(tx, 'error', {
          value: new DOMException('The quota has been exceeded.', 'QuotaExceededError'),
        });
        tx.abort();
      }
      return {} as IDBRequest<IDBValidKey>;
    };
  });
  const stepAtFailure = Number(await page.getByTestId('train-step').getAttribute('data-step'));
  expect(stepAtFailure, 'training must still be running when storage fills up').toBeLessThan(STEPS - 1);
  const error = page.getByTestId('train-checkpoint-error');
  await expect(error).toContainText('storage quota is full', { timeout: 60_000 });
  await expect(error).toContainText('Delete old runs');
  // Training is not stopped by it.
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('train-step')).toHaveAttribute('data-step', String(STEPS));
  const saved = Number(
    (await page.getByTestId('train-checkpoint').textContent())!.match(/saved at step (\d+)/)![1],
  );
  expect(saved).toBeLessThan(STEPS);

  // What was stored before is intact: the run lists with its last saved checkpoint and resumes.
  await page.goto('/?automation=1&backend=wasm&sw=0');
  await page.waitForFunction(() => window.__engine !== undefined);
  const resumed = await page.evaluate(async () => {
    const engine = window.__engine!;
    await engine.init({ backend: 'wasm' });
    // The demo set the run trained on: the one the page generates by default (128 px).
    await engine.loadDemoDataset({ taskId: 'demo' });
    const [run] = await engine.listRuns();
    const info = await engine.openRun(run.id, { taskId: 'resume' });
    return { run, info };
  });
  expect(resumed.run.hasCheckpoint).toBe(true);
  expect(resumed.run.checkpointStep).toBe(saved);
  expect(resumed.info.step).toBe(saved);
});
