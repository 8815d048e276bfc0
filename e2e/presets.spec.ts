import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { SHARED } from './helpers/serve-folder';

const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/** The steps a timed preset's line says it trains ("Quick: about 2 min here, 140 steps (…)"). */
async function presetSteps(page: Page): Promise<number> {
  const line = await page.getByTestId('preset-line').textContent();
  const m = /, (\d+) steps \(/.exec(line ?? '');
  if (!m) throw new Error(`no step count in "${line}"`);
  return Number(m[1]);
}

test('Quick on the bottle subset: an estimate from a timed probe before Start, Custom after an edit', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?automation=1&backend=wasm&demo=0#train');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');

  // The form opens with Standard; without a dataset nothing can be measured yet.
  const picker = page.getByTestId('preset-picker');
  await expect(picker).toHaveAttribute('data-preset', 'standard');
  await expect(page.getByTestId('preset-standard')).toBeChecked();
  await expect(page.getByTestId('preset-line')).toContainText('until this device is measured');
  const estimate = page.getByTestId('train-estimate');
  await expect(estimate).toHaveAttribute('data-state', 'no-dataset');

  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('128');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await openTab(page, 'train');

  // Standard is measured on its own; cancelling stops it and offers to measure again.
  await expect(estimate).toHaveAttribute('data-state', 'measuring', { timeout: 60_000 });
  await expect(estimate).toContainText('Measuring…');
  await page.getByTestId('estimate-cancel').click();
  await expect(estimate).toHaveAttribute('data-state', 'failed');
  await expect(estimate).toContainText('Measuring was cancelled.');
  await expect(page.getByTestId('estimate-measure')).toBeVisible();

  // Quick: measured here, its steps fitted to its 2 minutes at the measured speed.
  await page.getByTestId('preset-quick').check();
  await expect(picker).toHaveAttribute('data-preset', 'quick');
  await expect(page.getByTestId('cfg-imageSize')).toHaveValue('128');
  await expect(page.getByTestId('cfg-teacher')).toHaveValue('efficientnet_b0');
  await expect(estimate).toHaveAttribute('data-state', 'measuring', { timeout: 60_000 });
  await expect(estimate).toHaveAttribute('data-state', 'measured', { timeout: 300_000 });
  await expect(estimate).toContainText(/About \d+:\d\d on this device/);
  await expect(page.getByTestId('preset-line')).toContainText(/Quick: about \d+ (s|min) here, \d+ steps/);
  const steps = await presetSteps(page);
  await expect(page.getByTestId('cfg-steps')).toHaveValue(String(steps));
  await expect(page.getByTestId('grad-norm-cost')).toContainText('to the run here');
  const quickEstimate = await estimate.textContent();

  // An edit makes the form Custom; the estimate follows (fewer steps: from the same probe, at once).
  await page.getByTestId('cfg-steps').fill(String(Math.max(2, Math.floor(steps / 2))));
  await expect(picker).toHaveAttribute('data-preset', 'custom');
  await expect(page.getByTestId('preset-custom')).toBeChecked();
  await expect(estimate).toHaveAttribute('data-state', 'measured');
  await expect(estimate).not.toHaveText(quickEstimate ?? '');
  // Back to Quick: its timing is cached, no second probe.
  await page.getByTestId('preset-quick').check();
  await expect(estimate).toHaveAttribute('data-state', 'measured');
  await expect(estimate).toHaveText(quickEstimate ?? '');
  await expect(page.getByTestId('cfg-steps')).toHaveValue(String(steps));

  // Paper: the reference run, ResNet50 without an imported WideResNet50-2; on WASM it does not fit,
  // and the probe says so before building anything more than the network.
  await page.getByTestId('preset-paper').check();
  await expect(page.getByTestId('cfg-teacher')).toHaveValue('resnet50');
  await expect(page.getByTestId('cfg-steps')).toHaveValue('5000');
  await expect(page.getByTestId('preset-line')).toContainText('Paper: 5000 steps, batch 8, 256 px, resnet50');
  await expect(estimate).toHaveAttribute('data-state', 'declined', { timeout: 300_000 });
  await expect(estimate).toContainText('Not measured on wasm: This configuration probably will not fit');
  await page.getByTestId('preset-quick').check();
  await expect(estimate).toHaveText(quickEstimate ?? '');

  // Training refines it: the ETA from the running step time.
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'training', {
    timeout: 300_000,
  });
  await expect(page.getByTestId('train-eta')).toHaveText(/^\d+:\d\d$/, { timeout: 300_000 });
  await expect(page.getByTestId('train-estimate-running')).toContainText(
    /\d+:\d\d left at the running step time/,
  );
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', {
    timeout: 300_000,
  });
  expect(errors).toEqual([]);
});
