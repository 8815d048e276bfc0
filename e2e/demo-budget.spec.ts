import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PRESET } from '../src/ui/demo/demo-params';
import { openTab } from './helpers/panels';
import { SHARED } from './helpers/serve-folder';

const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');

/** Runs the demo with a 1 s time budget; the steps it trained, as its headline says. */
async function runOutOfBudget(page: Page): Promise<number> {
  await page.goto('/?demoSeconds=1');
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await page.getByTestId('demo-run').click();
  const phase = page.getByTestId('demo-phase');
  await expect(phase).toHaveAttribute('data-phase', /^(done|error)$/, { timeout: 500_000 });
  await expect(page.getByTestId('demo-error')).toHaveCount(0);
  await expect(phase).toHaveAttribute('data-complete', 'false');
  const headline = (await phase.textContent()) ?? '';
  const match = new RegExp(`^Stopped at the 1 s budget after (\\d+) of ${DEMO_PRESET.steps} steps$`).exec(
    headline,
  );
  expect(match, headline).not.toBeNull();
  return Number(match![1]);
}

// A time budget shorter than the preset's steps: the run stops, evaluates the model it has and says
// so; "Done" is kept for a run that finished its steps. (No backend parameter: automatic selection.)
test('a demo stopped by its time budget says so, with the steps it trained, here and in Train and Runs', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const steps = await runOutOfBudget(page);
  const total = DEMO_PRESET.steps!;
  expect(steps).toBeGreaterThanOrEqual(1);
  expect(steps).toBeLessThan(total);
  const stopped = `Stopped at the 1 s budget after ${steps} of ${total} steps`;
  await expect(page.getByTestId('demo-budget-note')).toContainText(`after ${steps} of ${total} steps`);
  await expect(page.getByTestId('demo-image-auroc')).toBeVisible();

  // The Train panel and the stored run say stopped (never paused: nobody asked to pause).
  await openTab(page, 'train');
  const status = page.getByTestId('train-status');
  await expect(status).toHaveAttribute('data-status', 'stopped');
  await expect(status).toHaveText(stopped);
  await openTab(page, 'runs');
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'stopped');
  await expect(row.getByTestId('run-status')).toHaveText('stopped');
  await expect(row).toContainText(`${steps} / ${total}`);
});

test("the demo's results give way to the user's own dataset", async ({ page }) => {
  test.setTimeout(600_000);
  await runOutOfBudget(page);
  await expect(page.getByTestId('demo-showcase')).toBeVisible();

  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');
  await expect(page.getByTestId('demo-dataset')).toHaveText('Your dataset: bottle');
  await expect(page.getByTestId('demo-progress')).toHaveCount(0);
  await expect(page.getByTestId('demo-showcase')).toHaveCount(0);
  // The demo is still one click away (it loads its own dataset again).
  await expect(page.getByTestId('demo-run')).toBeEnabled();
});
