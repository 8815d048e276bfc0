import { expect, type Page } from '@playwright/test';
import { join } from 'node:path';
import { SHARED } from './serve-folder';

/** The full-resolution MVTec bottle subset (5 train, 10 test images) the export tests train on. */
export const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');

export async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/**
 * Through the UI, on a page whose engine is ready: the bottle subset stored at 64 px, a MobileNetV2
 * DM-GRD model with 3 memory items, trained `steps` steps (started, not awaited). `checkpointEvery`
 * and `gradNormEvery` set the form's intervals when given.
 */
export async function startBottleRun(
  page: Page,
  opts: { steps: number; checkpointEvery?: number; gradNormEvery?: number },
): Promise<void> {
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await openTab(page, 'train');
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill(String(opts.steps));
  await page.getByTestId('cfg-memoryItems').fill('3');
  if (opts.checkpointEvery !== undefined)
    await page.getByTestId('cfg-checkpointEvery').fill(String(opts.checkpointEvery));
  if (opts.gradNormEvery !== undefined)
    await page.getByTestId('cfg-gradNormEvery').fill(String(opts.gradNormEvery));
  await expect(page.getByTestId('config-error')).toHaveText('Configuration is valid.');
  await page.getByTestId('train-start').click();
}

/**
 * Through the UI on WASM: the bottle run of `startBottleRun` trained 3 steps, evaluated. Leaves the
 * Results tab open. `gradNormEvery` measures the per-term gradient norms (off within 3 steps by
 * default).
 */
export async function trainAndEvaluate(page: Page, opts: { gradNormEvery?: number } = {}): Promise<void> {
  await page.goto('/?backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await startBottleRun(page, { steps: 3, gradNormEvery: opts.gradNormEvery });
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 600_000,
  });
  await openTab(page, 'results');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('evaluate')).toBeEnabled();
}

/** One test image as the app's results CSV gives it. */
export interface ResultRow {
  path: string;
  label: number;
  score: number;
  defectType: string;
  /** 1 when the score is at or above the Results tab's image threshold. */
  predicted: number;
}

/** The test images' paths, labels, scores and defect types as the app's results CSV gives them (Export tab). */
export async function resultsCsv(page: Page): Promise<ResultRow[]> {
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const { readFileSync } = await import('node:fs');
  return readFileSync(await csv.path(), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => {
      const [path, label, score, defectType, predicted] = row.split(',');
      return { path, label: Number(label), score: Number(score), defectType, predicted: Number(predicted) };
    });
}
