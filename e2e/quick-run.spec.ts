import { loadavg } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { evaluateScores, openTab } from './helpers/panels';
import { SHARED } from './helpers/serve-folder';

// A first run as the Train panel offers it: the Quick preset on the bottle subset, its time estimate
// before Start, the live strip re-scored while it trains, and the run opened again from Runs after a
// reload, where its model evaluates to the scores it gave before.

const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');
const TEST_IMAGES = 10;

/** The pixels of every canvas of the live strip, as one string (to tell two drawings apart). */
async function stripPixels(page: Page): Promise<string> {
  return page.locator('.live-strip__canvas').evaluateAll((canvases) =>
    canvases
      .map((c) => {
        const canvas = c as HTMLCanvasElement;
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let h = 0;
        for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
        return h.toString(16);
      })
      .join(' '),
  );
}

test('Quick on the bottle subset: estimate, live maps while training, reopened after a reload with the same scores', async ({
  page,
}) => {
  test.setTimeout(1_500_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('128');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');

  // Quick, with its estimate from a timed probe on this device before Start.
  await openTab(page, 'train');
  await page.getByTestId('preset-quick').check();
  await expect(page.getByTestId('preset-picker')).toHaveAttribute('data-preset', 'quick');
  const estimate = page.getByTestId('train-estimate');
  await expect(estimate).toHaveAttribute('data-state', 'measured', { timeout: 300_000 });
  await expect(estimate).toContainText(/About \d+:\d\d on this device/);
  const estimated = (await estimate.textContent()) ?? '';
  const steps = Number(await page.getByTestId('cfg-steps').inputValue());
  expect(steps).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('live-enabled')).toBeChecked();

  const loadBefore = loadavg()[0].toFixed(2);
  const started = Date.now();
  await page.getByTestId('train-start').click();
  const status = page.getByTestId('live-maps-status');
  // The first re-scoring comes right after the first step; the strip then shows its maps.
  await expect(status).toHaveAttribute('data-updates', '1', { timeout: 600_000 });
  await expect(page.locator('.live-strip__canvas')).toHaveCount(6);
  await expect(status).toContainText('6 test images');
  const firstStep = Number(await status.getAttribute('data-step'));
  const firstPixels = await stripPixels(page);
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 900_000,
  });
  const seconds = (Date.now() - started) / 1000;
  // At least one re-scoring between steps and the last step's: the strip drew new maps.
  const updates = Number(await status.getAttribute('data-updates'));
  expect(updates).toBeGreaterThanOrEqual(2);
  await expect(status).toHaveAttribute('data-step', String(steps));
  expect(firstStep).toBeLessThan(steps);
  expect(await stripPixels(page)).not.toBe(firstPixels);
  const share = /scoring took (\d+(?:\.\d)?) % of the training time/.exec((await status.textContent()) ?? '');
  expect(share).not.toBeNull();
  const timing = `Quick on bottle: ${steps} steps, ${estimated.trim()}; Start to finished ${seconds.toFixed(0)} s; live maps re-scored ${updates} times, ${share![1]} % of the training time; load average ${loadBefore} before, ${loadavg()[0].toFixed(2)} after`;
  console.log(timing);
  test.info().annotations.push({ type: 'quick-run', description: timing });
  await expect(page.getByTestId('train-checkpoint')).toHaveText(`saved at step ${steps}`);
  const before = await evaluateScores(page, TEST_IMAGES);
  expect(new Set(before).size).toBeGreaterThan(1);

  // After a reload: the run from Runs, its folder picked again, the same scores.
  await page.reload();
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await openTab(page, 'runs');
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'finished');
  await row.getByTestId('run-open').click();
  await expect(page.getByTestId('run-dataset-prompt')).toContainText('This run trained on the folder bottle');
  await page.getByTestId('run-dataset-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('runs-open-note')).toContainText(`at step ${steps} (finished)`, {
    timeout: 300_000,
  });
  await openTab(page, 'train');
  await expect(page.getByTestId('cfg-teacher')).toHaveValue('efficientnet_b0');
  await expect(page.getByTestId('cfg-steps')).toHaveValue(String(steps));
  const after = await evaluateScores(page, TEST_IMAGES);
  expect(after).toEqual(before);
  expect(errors).toEqual([]);
});
