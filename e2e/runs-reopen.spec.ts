import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateScores, openTab } from './helpers/panels';
import { SHARED } from './helpers/serve-folder';

// Runs are documents: a run trained on the bottle subset is opened again after a reload, its
// dataset asked for and checked, and its evaluation gives the scores it gave before the reload.

const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');
const STEPS = 4;

test('a run trained on the bottle subset reopens after a reload and evaluates to the same scores', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Another folder: the bottle subset less one training image.
  const root = mkdtempSync(join(tmpdir(), 'dmgrd-reopen-'));
  const other = join(root, 'bottle');
  cpSync(BOTTLE, other, {
    recursive: true,
    filter: (src) => !src.endsWith(join('train', 'good', '000.png')),
  });
  try {
    await page.goto('/?backend=wasm&demo=0');
    await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
    await openTab(page, 'dataset');
    await page.getByTestId('dataset-size').selectOption('64');
    await page.getByTestId('folder-input').setInputFiles(BOTTLE);
    await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');

    await openTab(page, 'train');
    await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
    await page.getByTestId('cfg-imageSize').fill('64');
    await page.getByTestId('cfg-batchSize').fill('2');
    await page.getByTestId('cfg-steps').fill(String(STEPS));
    await page.getByTestId('cfg-memoryItems').fill('3');
    // No periodic checkpoint before the last step: the last step is saved anyway.
    await page.getByTestId('cfg-checkpointEvery').fill('50');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
      timeout: 600_000,
    });
    await expect(page.getByTestId('train-checkpoint')).toHaveText(`saved at step ${STEPS}`);
    const before = await evaluateScores(page, 10);
    expect(before.every((s) => Number.isFinite(s))).toBe(true);
    expect(new Set(before).size).toBeGreaterThan(1);

    await page.reload();
    await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
    // The form kept its draft; the dataset is named for picking again.
    await openTab(page, 'train');
    await expect(page.getByTestId('cfg-steps')).toHaveValue(String(STEPS));
    await openTab(page, 'dataset');
    await expect(page.getByTestId('dataset-restore')).toContainText(
      'the folder bottle (5 training images, 10 test images, stored at 64 px)',
    );
    await expect(page.getByTestId('dataset-size')).toHaveValue('64');

    // The run: finished, with its metrics; Train further is offered, Resume is not.
    await openTab(page, 'runs');
    const row = page.getByTestId('run-row');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-status', 'finished');
    await expect(row.getByTestId('run-resume')).toHaveCount(0);
    await expect(row.getByTestId('run-further')).toBeEnabled();
    await expect(row).not.toContainText('—');
    // The three figures say what they are.
    await expect(page.getByRole('columnheader', { name: 'I-AUROC / P-AUROC / PRO@0.3' })).toBeVisible();

    // Opening it asks for its dataset; another folder is refused and nothing changes.
    await row.getByTestId('run-open').click();
    const prompt = page.getByTestId('run-dataset-prompt');
    await expect(prompt).toContainText('This run trained on the folder bottle');
    await page.getByTestId('run-dataset-input').setInputFiles(other);
    await expect(page.getByTestId('run-dataset-error')).toContainText(
      'bottle is not the folder the run was trained on (bottle): it has 4 training images instead of 5',
    );
    await expect(page.getByTestId('run-dataset-error')).toContainText(
      'The run and the loaded dataset are unchanged.',
    );
    await expect(page.getByTestId('runs-open-note')).toHaveCount(0);

    // The right folder opens it: its config in the form, its model at its last step.
    await page.getByTestId('run-dataset-input').setInputFiles(BOTTLE);
    await expect(page.getByTestId('runs-open-note')).toContainText(`at step ${STEPS} (finished)`, {
      timeout: 300_000,
    });
    await expect(prompt).toHaveCount(0);
    await expect(row).toContainText('(open)');
    await openTab(page, 'train');
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished');
    await expect(page.getByTestId('train-step')).toHaveAttribute('data-step', String(STEPS));
    await expect(page.getByTestId('cfg-teacher')).toHaveValue('mobilenet_v2');
    await expect(page.getByTestId('cfg-memoryItems')).toHaveValue('3');

    const after = await evaluateScores(page, 10);
    expect(after).toEqual(before);
    expect(errors).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the last folder stays named across reloads while the demo set loads meanwhile', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm&demo=0');
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');
  const named = 'the folder bottle (5 training images, 10 test images, stored at 64 px)';
  for (let reload = 0; reload < 2; reload++) {
    // Without ?demo=0 the page generates the demo set; the folder is still the one to pick again.
    await page.goto('/?backend=wasm#dataset');
    await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', {
      timeout: 120_000,
    });
    await expect(page.getByTestId('dataset-restore')).toContainText(named);
  }
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-restore')).toHaveCount(0);
  await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');
});
