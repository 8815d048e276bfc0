import { expect, test } from '@playwright/test';
import { startBottleRun } from './helpers/tiny-run';

// An engine that stops answering mid-training (as WASM does when it runs out of memory inside a
// kernel) is noticed, stopped, and explained; the run saved so far survives the reload.
test('a stalled engine is stopped with a clear message and the run survives a reload', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Stall limits of 15 s instead of minutes (honoured only with ?automation=1).
  await page.goto('/?backend=wasm&demo=0&automation=1&stallMs=15000');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');

  await startBottleRun(page, { steps: 500, checkpointEvery: 2 });
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
