import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import config from '../playwright.config';

// The conference demo with no user files: the built-in dataset, the one-click run, the live camera
// (Chromium's fake capture device playing a generated .y4m) and the offline service worker.
// Runs on WASM with a one- to three-step preset so it fits the test time.

const projectLaunch = config.projects?.[0]?.use?.launchOptions ?? {};

/** YUV4MPEG2 clip: a textured background with a dark blob moving across, 4:2:0. */
function writeY4m(path: string, width = 160, height = 120, frames = 12): void {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const parts: Buffer[] = [header];
  const cw = width / 2;
  const ch = height / 2;
  for (let f = 0; f < frames; f++) {
    const y = Buffer.alloc(width * height);
    const bx = 20 + ((f * 9) % (width - 40));
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const wood = 140 + 40 * Math.sin((r + 6 * Math.sin(c / 17)) / 3);
        const blob = Math.hypot(c - bx, r - height / 2) < 12 ? -110 : 0;
        y[r * width + c] = Math.max(16, Math.min(235, Math.round(wood + blob)));
      }
    }
    const u = Buffer.alloc(cw * ch, 110);
    const v = Buffer.alloc(cw * ch, 150);
    parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  writeFileSync(path, Buffer.concat(parts));
}

async function runDemo(page: Page): Promise<void> {
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await page.getByTestId('demo-run').click();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'done', { timeout: 800_000 });
}

test.describe('demo without user files', () => {
  test('the start page loads the built-in dataset, trains in one click and shows results', async ({
    page,
  }) => {
    test.setTimeout(900_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/?backend=wasm&demoSteps=3&demoSeconds=600');
    // The Dataset tab shows the generated set as if it had been dropped.
    await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', {
      timeout: 120_000,
    });
    await expect(page.getByTestId('demo-dataset')).toContainText('40 train · 20 test');
    await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '40');
    await expect(page.getByTestId('count-test')).toHaveAttribute('data-count', '20');

    await runDemo(page);
    const auroc = await page.getByTestId('demo-image-auroc').textContent();
    expect(Number(auroc?.replace('%', ''))).toBeGreaterThanOrEqual(0);
    // The showcase cycles the highest-scoring defects with their heat maps.
    const image = page.getByTestId('demo-showcase-image');
    await expect(image).not.toHaveAttribute('data-index', '');
    await expect(page.getByTestId('demo-showcase-type')).toContainText('defect:');
    const colours = await image.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(50);
    // The same evaluation reached the Results tab through the worker's event.
    await page.getByRole('tab', { name: 'Results' }).click();
    await expect(page.getByTestId('results-panel')).toBeVisible();
    await expect(page.getByTestId('results-panel').locator('.placeholder')).toHaveCount(0);

    // Headless Chromium without a fake device has no camera: a clear message, no crash.
    await page.getByTestId('demo-camera-toggle').click();
    await page.getByTestId('camera-start').click();
    await expect(page.getByTestId('camera-error')).toContainText(/camera/i);
    expect(errors).toEqual([]);
  });

  test('kiosk mode runs the demo full screen with no controls in the way', async ({ page }) => {
    test.setTimeout(900_000);
    await page.goto('/?backend=wasm&kiosk=1&demoSteps=1');
    await expect(page.getByTestId('kiosk')).toBeVisible();
    await expect(page.getByRole('tab')).toHaveCount(0);
    await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'done', { timeout: 800_000 });
    await expect(page.getByTestId('demo-showcase-image')).not.toHaveAttribute('data-index', '');
    const box = await page.getByTestId('demo-showcase-image').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
  });
});

test.describe('live camera', () => {
  const video = join(tmpdir(), `dmgrd-fake-camera-${process.pid}.y4m`);
  writeY4m(video);
  test.use({
    permissions: ['camera'],
    launchOptions: {
      ...projectLaunch,
      args: [
        ...(projectLaunch.args ?? []),
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    },
  });

  test('draws the heat map over live frames with a frame rate and a score', async ({ page }) => {
    test.setTimeout(900_000);
    await page.goto('/?backend=wasm&demoSteps=1');
    await runDemo(page);
    await page.getByTestId('demo-camera-toggle').click();
    await expect(page.getByTestId('camera-select').locator('option')).not.toHaveCount(1);
    await page.getByTestId('camera-start').click();
    const overlay = page.getByTestId('camera-overlay');
    await expect
      .poll(async () => Number(await overlay.getAttribute('data-frames')), { timeout: 120_000 })
      .toBeGreaterThan(3);
    await expect
      .poll(async () => Number(await page.getByTestId('camera-fps').getAttribute('data-fps')))
      .toBeGreaterThan(0);
    const score = Number(await page.getByTestId('camera-score').getAttribute('data-score'));
    expect(Number.isFinite(score)).toBe(true);
    await expect(page.getByTestId('camera-verdict')).toHaveText(/DEFECT|OK/);
    const painted = await overlay.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return { n, size: c.width };
    });
    expect(painted.size).toBeGreaterThan(0);
    expect(painted.n).toBeGreaterThan(0);
    await expect(page.getByTestId('camera-error')).toHaveCount(0);
    await page.getByTestId('camera-stop').click();
  });
});

test('after one online visit the app works offline: reload, train and evaluate', async ({
  page,
  context,
}) => {
  test.setTimeout(900_000);
  await page.goto('/?backend=wasm&demoSteps=1');
  // The service worker installs once the shell, WASM binaries and demo teacher are cached.
  const cached = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    const keys = await caches.keys();
    const weights = await caches.match('/teachers/mobilenet_v2/weights.bin');
    return { keys, weights: weights !== undefined };
  });
  expect(cached.keys.some((k) => k.startsWith('dmgrd-precache-'))).toBe(true);
  expect(cached.weights).toBe(true);

  await context.setOffline(true);
  await page.reload();
  const state = await page.evaluate(async () => {
    let network = 'reachable';
    try {
      await fetch(`/not-cached-${Date.now()}.txt`);
    } catch {
      network = 'offline';
    }
    return {
      controlled: navigator.serviceWorker.controller !== null,
      isolated: self.crossOriginIsolated,
      network,
    };
  });
  expect(state).toEqual({ controlled: true, isolated: true, network: 'offline' });
  await runDemo(page);
  await expect(page.getByTestId('demo-metrics')).toBeVisible();
  await expect(page.getByTestId('demo-error')).toHaveCount(0);
  await context.setOffline(false);
});
