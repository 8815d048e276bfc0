import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED } from './helpers/serve-folder';

// An engine that stops answering mid-training (as WASM does when it runs out of memory inside a
// kernel) is noticed, stopped, and explained; the run saved so far survives the reload.
test('a stalled engine is stopped with a clear message and the run survives a reload', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Stall limits of 15 s instead of minutes (honoured only with ?automation=1).
  await page.goto('/?backend=wasm&demo=0&automation=1&stallMs=15000');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');

  await page.getByTestId('tab-dataset').click();
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(join(SHARED, 'data/mvtec-fullres-subset/bottle'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();

  await page.getByTestId('tab-train').click();
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill('500');
  await page.getByTestId('cfg-memoryItems').fill('3');
  await page.getByTestId('cfg-checkpointEvery').fill('2');
  await expect(page.getByTestId('config-error')).toHaveText('Configuration is valid.');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-checkpoint')).toContainText('saved at step', { timeout: 300_000 });

  // Not awaited: the call holds the worker's thread, so it never answers before the worker is stopped.
  await page.evaluate(() => {
    void window.__engine!.debugStall(10 * 60_000);
  });
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'error', { timeout: 180_000 });
  await expect(status).toContainText('The engine stopped answering after step');
  await expect(status).toContainText(/saved at step \d+/);
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'error');

  // The reload offers the saved run again.
  await page.getByTestId('train-reload').click();
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('resume-banner')).toBeVisible();
  expect(errors).toEqual([]);
});
