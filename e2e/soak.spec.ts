import { expect, test, type CDPSession, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { reportedStep } from './helpers/engine-events';

/** 1000 by default; SOAK_STEPS shortens it for a quick local look. */
const STEPS = Number(process.env.SOAK_STEPS ?? 1000);
/** Steps before the tensor count and heap are expected to be settled (first-step caches, JIT). */
const WARMUP = Math.min(20, Math.floor(STEPS / 10));
/** The run's timing figures: they depend on the machine's load, so they are reported, not asserted. */
const REPORT = 'test-results/benchmarks/soak.json';

type Send = (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * A DevTools session on the engine worker. Playwright opens CDP sessions on pages only, so the
 * worker is reached through the page session's auto-attach (flatten off: messages are relayed).
 */
async function attachToEngineWorker(cdp: CDPSession): Promise<Send> {
  const sessionId = new Promise<string>((resolve) => {
    cdp.on('Target.attachedToTarget', (e) => {
      const t = e.targetInfo;
      if (t.type === 'worker' && (t.title === 'engine' || /engine\.worker/.test(t.url))) resolve(e.sessionId);
    });
  });
  let nextId = 1;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const msg = JSON.parse(e.message) as { id?: number; result?: Record<string, unknown> };
    if (msg.id === undefined) return;
    pending.get(msg.id)?.(msg.result ?? {});
    pending.delete(msg.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const id = await sessionId;
  return (method, params = {}) =>
    new Promise((resolve) => {
      const n = nextId++;
      pending.set(n, resolve);
      void cdp.send('Target.sendMessageToTarget', {
        sessionId: id,
        message: JSON.stringify({ id: n, method, params }),
      });
    });
}

/** Used JS heap after a full GC (bytes). */
async function heapAfterGc(send: Send): Promise<number> {
  await send('HeapProfiler.collectGarbage');
  const usage = await send('Runtime.getHeapUsage');
  return Number(usage.usedSize);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A Long Animation Frames API entry, as far as it is read here (not in TypeScript's DOM types). */
interface AnimationFrameTiming extends PerformanceEntry {
  scripts: {
    invoker: string;
    sourceFunctionName: string;
    duration: number;
    forcedStyleAndLayoutDuration: number;
  }[];
}

/** A long animation frame: when, how long, and the scripts that ran in it (what, ms). */
interface LongFrame {
  at: number;
  ms: number;
  scripts: string[];
}

/**
 * Records input-event timing, long tasks and long animation frames on the main thread (Event
 * Timing, Long Tasks and Long Animation Frames APIs); the frames say which script a long task ran.
 */
async function observeMainThread(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __timing: { events: object[]; longTasks: { at: number; ms: number }[]; frames: LongFrame[] };
    };
    w.__timing = { events: [], longTasks: [], frames: [] };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEventTiming[]) {
        w.__timing.events.push({
          name: e.name,
          // Input delay + handlers: how long until the app had handled the event.
          handledMs: e.processingEnd - e.startTime,
          delayMs: e.processingStart - e.startTime,
          at: e.startTime,
          // ... + rendering until the next frame was presented.
          durationMs: e.duration,
        });
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__timing.longTasks.push({ at: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask' });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as AnimationFrameTiming[]) {
        w.__timing.frames.push({
          at: e.startTime,
          ms: e.duration,
          scripts: e.scripts.map(
            (x) =>
              `${x.invoker} ${x.sourceFunctionName || '?'} ${x.duration.toFixed(0)} ms` +
              (x.forcedStyleAndLayoutDuration
                ? ` (layout ${x.forcedStyleAndLayoutDuration.toFixed(0)})`
                : ''),
          ),
        });
      }
    }).observe({ type: 'long-animation-frame' });
  });
}

/** Clicks a tab and waits until the app has answered: the tab is selected and its panel shown. */
async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`tab-${id}`)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/** Presses an arrow key in the tab bar and waits until another tab is selected and shown. */
async function arrowToNeighbour(page: Page, from: string, key: 'ArrowLeft' | 'ArrowRight'): Promise<void> {
  await page.keyboard.press(key);
  await expect(page.getByTestId(`tab-${from}`)).toHaveAttribute('aria-selected', 'false');
  const selected = page.locator('[role="tab"][aria-selected="true"]');
  const id = (await selected.getAttribute('data-testid'))!.replace(/^tab-/, '');
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

// A long run must not leak: the tensor count is exact after warm-up and the worker's JS heap holds
// still (the run history grows by one small report per step, which is accounted for), and the UI
// answers every input while the worker trains and the charts update. How fast it answers depends
// on what else the machine runs, so those figures go to REPORT and the console, not to assertions.
test('1000 training steps keep tensors and heap flat and the UI responsive', async ({ page }) => {
  test.setTimeout(30 * 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await page.context().newCDPSession(page);
  const workerCdp = attachToEngineWorker(cdp);
  await page.goto('/?automation=1&backend=wasm&demo=1');
  const send = await workerCdp;
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });

  // The smallest configuration the schema allows, checkpoints included (they are part of a long run).
  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-model').selectOption('rd');
  await page.getByTestId('cfg-imageSize').fill('32');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill(String(STEPS));
  await page.getByTestId('cfg-gradNormEvery').fill('0');
  await page.getByTestId('cfg-checkpointEvery').fill(String(Math.max(1, Math.floor(STEPS / 4))));
  await expect(page.getByTestId('config-error')).toHaveText('Configuration is valid.');
  await observeMainThread(page);
  const loadAtStart = loadavg();
  const t0 = Date.now();
  const startedAt = await page.evaluate(() => performance.now());
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'training', {
    timeout: 120_000,
  });

  // While it trains: GC + heap sample, then a few clicks and key presses on the tab bar, each
  // answered before the next.
  const heap: { step: number; bytes: number }[] = [];
  const stepsSeen: number[] = [];
  const tabs = ['dataset', 'synthetic', 'results', 'train'];
  let round = 0;
  /** Page time once warm-up steps are done (the charts have mounted: a one-off render). */
  let warmAt: number | null = null;
  // Watched through the events, as the status line is only rendered on the Train tab.
  const training = (): Promise<boolean> =>
    page.evaluate(
      () =>
        !window.__engineEvents!.some(
          (e) => e.type === 'task' && e.task.startsWith('train') && e.state !== 'started',
        ),
    );
  while (await training()) {
    const step = await reportedStep(page);
    stepsSeen.push(step);
    if (step >= WARMUP) heap.push({ step, bytes: await heapAfterGc(send) });
    if (step >= WARMUP && warmAt === null) warmAt = await page.evaluate(() => performance.now());
    const tab = tabs[round % tabs.length];
    await openTab(page, tab);
    await arrowToNeighbour(page, tab, round % 2 ? 'ArrowRight' : 'ArrowLeft');
    await openTab(page, 'train');
    round += 1;
    await page.waitForTimeout(2000);
  }
  const wallS = (Date.now() - t0) / 1000;
  await page.getByTestId('tab-train').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished');

  const run = await page.evaluate(() => {
    const steps = window.__engineEvents!.flatMap((e) => (e.type === 'step' ? [e] : []));
    const w = window as unknown as {
      __timing: {
        events: { handledMs: number; durationMs: number; name: string; at: number }[];
        longTasks: { at: number; ms: number }[];
        frames: LongFrame[];
      };
    };
    return {
      tensors: steps.map((e) => ({ step: e.report.step, n: e.numTensors ?? -1 })),
      timing: w.__timing,
    };
  });
  const mainHeap = Number((await cdp.send('Runtime.getHeapUsage')).usedSize);
  expect(run.tensors).toHaveLength(STEPS);
  expect(run.tensors.at(-1)!.step).toBe(STEPS);

  // Tensors: exactly constant after warm-up.
  const settled = run.tensors.filter((t) => t.step > WARMUP).map((t) => t.n);
  expect(new Set(settled).size, `tensor counts after warm-up: ${[...new Set(settled)].join(', ')}`).toBe(1);

  // Worker heap: the last quarter's median within 2 MiB of the second quarter's. The run history
  // (one report per step, ~0.3 KB) is the only legitimate growth: well under that margin for 1000 steps.
  const q = (from: number, to: number) =>
    heap.filter((h) => h.step > (STEPS * from) / 4 && h.step <= (STEPS * to) / 4).map((h) => h.bytes);
  const second = median(q(1, 2));
  const last = median(q(3, 4));
  const MiB = 1024 ** 2;
  // Timing of the main thread, for the report. Start-up work before the first step (bundle, first
  // renders) is not "while training"; the charts' first render before warm-up is reported apart.
  const during = run.timing.events.filter((e) => e.at >= startedAt);
  const longTasks = run.timing.longTasks.filter((t) => t.at >= (warmAt ?? startedAt)).map((t) => t.ms);
  const startupTask = Math.max(
    0,
    ...run.timing.longTasks.filter((t) => t.at < (warmAt ?? 0)).map((t) => t.ms),
  );
  const handled = during.map((e) => e.handledMs);
  const maxHandled = Math.max(0, ...handled);
  const maxDuration = Math.max(0, ...during.map((e) => e.durationMs));
  const maxLongTask = Math.max(0, ...longTasks);
  const longestFrames = run.timing.frames
    .filter((f) => f.at >= (warmAt ?? startedAt))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map(
      (f) =>
        `${f.ms.toFixed(0)} ms at ${((f.at - startedAt) / 1000).toFixed(1)} s: ${f.scripts.join('; ') || 'no script'}`,
    );
  const report = {
    date: new Date().toISOString(),
    loadAverage: { start: loadAtStart, end: loadavg() },
    cpus: cpus().length,
    steps: STEPS,
    wallS: Math.round(wallS),
    msPerStep: Math.round((wallS * 1000) / STEPS),
    tensorsAfterWarmup: settled[0],
    workerHeapMiB: {
      secondQuarterMedian: second / MiB,
      lastQuarterMedian: last / MiB,
      min: Math.min(...heap.map((h) => h.bytes)) / MiB,
      max: Math.max(...heap.map((h) => h.bytes)) / MiB,
      samples: heap.length,
    },
    mainHeapMiB: mainHeap / MiB,
    interactionRounds: round,
    eventsOver16Ms: during.length,
    maxInputHandledMs: Math.round(maxHandled),
    maxEventDurationMs: Math.round(maxDuration),
    longTasksAfterWarmup: longTasks.length,
    maxLongTaskAfterWarmupMs: Math.round(maxLongTask),
    maxLongTaskBeforeWarmupMs: Math.round(startupTask),
    longestFramesAfterWarmup: longestFrames,
  };
  mkdirSync(dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, JSON.stringify(report, null, 2) + '\n');
  console.log(
    `soak (load average ${report.loadAverage.start.map((x) => x.toFixed(1)).join(' ')} at start, ${report.cpus} cpus): ` +
      `${STEPS} steps in ${wallS.toFixed(0)} s (${report.msPerStep} ms/step incl. UI), ` +
      `${settled[0]} tensors, worker heap ${(second / MiB).toFixed(2)} → ${(last / MiB).toFixed(2)} MiB ` +
      `(${heap.length} samples, min ${report.workerHeapMiB.min.toFixed(2)}, max ${report.workerHeapMiB.max.toFixed(2)}), ` +
      `main heap ${(mainHeap / MiB).toFixed(1)} MiB; ${round} interaction rounds, ` +
      `${during.length} slow-ish events (≥16 ms), max handled ${maxHandled.toFixed(0)} ms, ` +
      `max event duration ${maxDuration.toFixed(0)} ms, ${longTasks.length} long tasks after warm-up, max ${maxLongTask.toFixed(0)} ms ` +
      `(longest before: ${startupTask.toFixed(0)} ms)\nlongest animation frames after warm-up:\n  ${longestFrames.join('\n  ')}\n` +
      `report: ${REPORT}`,
  );
  if (process.env.SOAK_DEBUG)
    console.log(
      JSON.stringify([...run.timing.events].sort((a, b) => b.handledMs - a.handledMs).slice(0, 15)),
      JSON.stringify(run.timing.longTasks.map((t) => [Math.round(t.at - startedAt), Math.round(t.ms)])),
    );
  expect(heap.length).toBeGreaterThanOrEqual(8);
  expect(last - second).toBeLessThan(2 * MiB);
  // Steps advanced while the UI was used, and never went back.
  expect(stepsSeen).toEqual([...stepsSeen].sort((a, b) => a - b));
  expect(heap.at(-1)!.step).toBeGreaterThan(heap[0].step);
  expect(errors).toEqual([]);
});
