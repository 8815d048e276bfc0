import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import config from '../playwright.config';
import { fmt } from '../src/ui/results/view';
import { BOTTLE, openTab, resultsCsv, trainAndEvaluate } from './helpers/tiny-run';

// "Export for the web" end to end: a tiny model trained and evaluated through the UI on WASM, its
// package unzipped and served by a plain static server on another origin (no special headers, so
// no cross-origin isolation), where detector.js must score the test images as the app did.
const TOLERANCE = 1e-5;

// index.html's camera: Chromium's fake capture device (its built-in test pattern). No service
// worker, so the test sees (and can hold) the export's own requests for the package's code.
const projectLaunch = config.projects?.[0]?.use?.launchOptions ?? {};
test.use({
  serviceWorkers: 'block',
  launchOptions: {
    ...projectLaunch,
    args: [
      ...(projectLaunch.args ?? []),
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  },
});
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** A blank origin: the package folder at /, the dataset's parent folder at /data/. */
function staticServer(root: string, data: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = path.startsWith('/data/')
      ? join(data, path.slice('/data/'.length))
      : join(root, path === '/' ? 'index.html' : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

test('the web package scores the test images as the app does, from a blank origin', async ({
  page,
  browser,
}) => {
  test.setTimeout(900_000);
  await trainAndEvaluate(page);
  const shownThreshold = await page.getByTestId('image-threshold').innerText();
  await openTab(page, 'export');
  const app = await resultsCsv(page);

  const plan = page.getByTestId('export-plan-web');
  for (const part of [
    'index.html',
    'detector.js',
    'vendor/',
    'model/weights.safetensors',
    'model/memory.safetensors',
    'model/teacher/',
  ])
    await expect(plan).toContainText(part);
  // Every part and the whole say how big they are before anything is written.
  for (const size of await plan.locator('td.num').allInnerTexts())
    expect(size).toMatch(/^(≈ )?\d+(\.\d)? (B|KiB|MiB)$/);
  await expect(page.getByTestId('export-write-web')).toHaveText(
    /^Write bottle-dmgrd-mobilenet_v2-step3-web\.zip \(about \d+\.\d MiB\)$/,
  );

  // Cancelled while it writes: detector.js is held back until Cancel was pressed, so the progress
  // is on screen and the export cannot finish first. Nothing is downloaded.
  const downloads: string[] = [];
  page.on('download', (d) => downloads.push(d.suggestedFilename()));
  let release = (): void => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const code = '**/web-package/detector.js';
  let asked = 0;
  await page.route(code, async (route) => {
    asked++;
    await held;
    await route.continue();
  });
  await page.getByTestId('export-write-web').click();
  const progress = page.getByTestId('export-progress-web');
  await expect(progress).toContainText(/^Writing the web package: [\d.]+ KiB of [\d.]+ MiB, /);
  await expect(page.getByTestId('export-write-web')).toBeDisabled();
  await expect.poll(() => asked).toBe(1);
  await page.getByTestId('export-cancel-web').click();
  release();
  await expect(page.getByTestId('export-error-web')).toHaveText('Export cancelled: nothing was written.');
  await expect(progress).toHaveCount(0);
  await page.unroute(code);
  expect(downloads).toEqual([]);

  // Written again in full.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-write-web').click(),
  ]);
  await expect(page.getByTestId('export-error-web')).toHaveCount(0);
  const name = 'bottle-dmgrd-mobilenet_v2-step3-web';
  expect(download.suggestedFilename()).toBe(`${name}.zip`);
  await expect(page.getByTestId('export-done-web')).toBeVisible();
  const dir = test.info().outputPath('unzipped');
  for (const [path, bytes] of Object.entries(unzipSync(readFileSync(await download.path())))) {
    if (path.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  // detector.js needs nothing but TF.js and its backends.
  const imports = [
    ...readFileSync(join(dir, name, 'detector.js'), 'utf8').matchAll(/(?:from|import)\s*"([^"]+)"/g),
  ].map((m) => m[1]);
  expect(new Set(imports)).toEqual(
    new Set(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu']),
  );

  const { server, origin } = await staticServer(join(dir, name), dirname(BOTTLE));
  const context = await browser.newContext({ permissions: ['camera'] });
  try {
    const blank = await context.newPage();
    const requests: string[] = [];
    blank.on('request', (r) => requests.push(r.url()));
    await blank.goto(`${origin}/index.html`);
    await expect(blank.locator('#status')).toContainText('Ready (wasm)', { timeout: 120_000 });

    // The API, on every test image the app scored.
    const scores = await blank.evaluate(
      async (paths) => {
        const detector = (
          window as unknown as {
            detector: { score(b: Blob): Promise<{ score: number; map: Float32Array; anomalous: boolean }> };
          }
        ).detector;
        const out: { score: number; mapLength: number; anomalous: boolean }[] = [];
        for (const p of paths) {
          const r = await detector.score(await (await fetch(`/data/${p}`)).blob());
          out.push({ score: r.score, mapLength: r.map.length, anomalous: r.anomalous });
        }
        return out;
      },
      app.map((a) => a.path),
    );
    const worst = Math.max(...scores.map((s, i) => Math.abs(s.score - app[i].score)));
    console.log(
      `web package vs app on ${app.length} images: max |score difference| ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
    expect(scores.every((s) => s.mapLength === 64 * 64)).toBe(true);
    // The verdicts follow the threshold the Results tab had chosen: the package's own, and the
    // app's (the CSV's predicted column) wherever the two scores are not on either side of it.
    const manifest = JSON.parse(readFileSync(join(dir, name, 'model/model.json'), 'utf8')) as {
      thresholds: { image: number };
    };
    const threshold = manifest.thresholds.image;
    expect(fmt(threshold)).toBe(shownThreshold);
    expect(scores.map((s) => s.anomalous)).toEqual(scores.map((s) => s.score >= threshold));
    for (const [i, a] of app.entries())
      if (Math.abs(a.score - threshold) > TOLERANCE)
        expect(scores[i].anomalous, a.path).toBe(a.predicted === 1);
    expect(app.some((a) => Math.abs(a.score - threshold) > TOLERANCE)).toBe(true);

    // The page itself: a picked image shows its score and verdict.
    const first = app[0];
    await blank.locator('#file').setInputFiles(join(dirname(BOTTLE), first.path));
    await expect(blank.getByTestId('score')).toHaveText(/^Score \d/);
    const shown = Number((await blank.getByTestId('score').innerText()).replace('Score ', ''));
    expect(Math.abs(shown - first.score)).toBeLessThanOrEqual(TOLERANCE + 5e-7);
    await expect(blank.getByTestId('verdict')).toHaveText(/^(Normal|Anomalous)$/);

    // A dropped image is scored the same way.
    const second = app[1];
    const dropped = await blank.evaluateHandle(
      ({ bytes, name: file }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], file, { type: 'image/png' }));
        return transfer;
      },
      { bytes: [...readFileSync(join(dirname(BOTTLE), second.path))], name: 'dropped.png' },
    );
    await blank.locator('#drop').dispatchEvent('drop', { dataTransfer: dropped });
    await expect(blank.locator('#status')).toHaveText('dropped.png');
    const droppedScore = Number((await blank.getByTestId('score').innerText()).replace('Score ', ''));
    expect(Math.abs(droppedScore - second.score)).toBeLessThanOrEqual(TOLERANCE + 5e-7);
    await blank.screenshot({ path: 'test-results/screenshots/web-package.png' });

    // The camera: its frames are scored and drawn until it is stopped.
    await blank.locator('#camera').click();
    await expect(blank.locator('#camera')).toHaveText('Stop the camera');
    await expect(blank.getByTestId('score')).not.toHaveText(`Score ${droppedScore.toFixed(6)}`);
    await expect(blank.getByTestId('score')).toHaveText(/^Score \d+\.\d{6}$/);
    await expect(blank.locator('#timing')).toHaveText(/^\d+ ms on wasm$/);
    await blank.locator('#camera').click();
    await expect(blank.locator('#camera')).toHaveText('Start the camera');
    // Nothing was fetched from anywhere but the package's own origin.
    expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
  } finally {
    await context.close();
    server.close();
  }
});
