import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { SHARED } from './helpers/serve-folder';

// PatchCore through the UI on WASM: the form shows its options only, the fit runs as the training
// does (progress, then finished), the Results tab evaluates it, and its checkpoint re-imports to the
// same scores.
const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

async function evaluatedScores(page: Page): Promise<number[]> {
  await openTab(page, 'results');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('evaluate')).toBeEnabled();
  await expect(page.locator('[data-testid^=result-tile-]')).toHaveCount(10);
  return page.evaluate(() => {
    const out: number[] = [];
    document.querySelectorAll<HTMLElement>('[data-testid^=result-tile-]').forEach((el) => {
      out[Number(el.dataset.testid!.slice('result-tile-'.length))] = Number(el.dataset.score);
    });
    return out;
  });
}

test('PatchCore: its own options, a fit with progress, evaluation, checkpoint round trip', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?automation=1&backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();

  // The form: PatchCore's options in, the training schedule, paper switches and checkpoints out.
  await openTab(page, 'train');
  for (const id of ['cfg-lr', 'cfg-paperSelect', 'cfg-checkpointEvery'])
    await expect(page.getByTestId(id)).toHaveCount(1);
  await expect(page.getByTestId('cfg-coresetFraction')).toHaveCount(0);
  await page.getByTestId('cfg-model').selectOption('patchcore');
  for (const id of ['cfg-lr', 'cfg-steps', 'cfg-batchSize', 'cfg-paperSelect', 'cfg-checkpointEvery'])
    await expect(page.getByTestId(id)).toHaveCount(0);
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-coresetFraction').fill('0.1');
  await expect(page.getByTestId('cfg-projectionDim')).toBeVisible();
  await expect(page.getByTestId('config-error')).toHaveText('Configuration is valid.');

  // 5 training images of 8x8 patches at 64 px, a tenth of them kept: 5 + 32 fit steps.
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 300_000,
  });
  await expect(page.getByTestId('train-step')).toHaveAttribute('data-step', '37');
  await expect(page.getByTestId('train-step')).toHaveText('37 / 37');
  await expect(page.getByTestId('fit-note')).toBeVisible();
  await expect(page.getByTestId('session-notes')).toContainText('Memory: 32 patches of 288 values');

  const scores = await evaluatedScores(page);
  await expect(page.getByTestId('metric-i-auroc')).toHaveText(/\d+\.\d\d %/);
  expect(scores.every(Number.isFinite)).toBe(true);

  // The checkpoint through the engine: exported, imported as a new run, the same scores.
  await page.evaluate(async () => {
    const engine = window.__engine!;
    const bytes = await engine.exportCheckpoint();
    await engine.importCheckpoint(bytes, { taskId: 'patchcore-reimport' });
  });
  const again = await page.evaluate(async () => {
    const summary = await window.__engine!.evaluate({ taskId: 'patchcore-reevaluate' });
    return summary.scores;
  });
  expect(again).toEqual(scores);
  expect(errors).toEqual([]);
});
