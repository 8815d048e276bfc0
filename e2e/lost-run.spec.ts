import { expect, test } from '@playwright/test';
import { startBottleRun } from './helpers/tiny-run';

// A page closed while its run trained before the first checkpoint: the next page says that run
// cannot be resumed and why, instead of leaving a bare "interrupted" row in Runs.
test('a run closed before its first checkpoint is named after the reload, with why it cannot resume', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/?backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');

  // Far beyond the steps this test lets it train: no checkpoint exists when the page reloads.
  await startBottleRun(page, { steps: 500, checkpointEvery: 400 });
  await expect(page.getByTestId('train-step')).not.toHaveAttribute('data-step', '0', { timeout: 300_000 });

  await page.reload();
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  const banner = page.getByTestId('lost-run-banner');
  await expect(banner).toContainText('A run on bottle');
  await expect(banner).toContainText('before its first checkpoint');
  await expect(banner).toContainText('every 400 steps');
  await expect(page.getByTestId('resume-banner')).toHaveCount(0);
  await banner.getByTestId('lost-run-banner-dismiss').click();
  await expect(banner).toHaveCount(0);
});
