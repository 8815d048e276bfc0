import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import config from '../playwright.config';
import { runDemo } from './helpers/demo';

// Live inspection with Chromium's fake capture device playing a .y4m generated here: after the
// one-click demo, the camera view scores frames and draws the heat map with a frame rate.
// A browser launched with camera flags is needed, hence its own file (test.use at top level).

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
