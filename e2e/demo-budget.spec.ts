import { expect, test } from '@playwright/test';
import { DEMO_PRESET } from '../src/ui/demo/demo-params';

// A time budget shorter than the preset's steps: the run stops, evaluates the model it has and says
// so; "Done" is kept for a run that finished its steps. (No backend parameter: automatic selection.)
test('a demo stopped by its time budget says so, with the steps it trained', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/?demoSeconds=1');
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await page.getByTestId('demo-run').click();
  const phase = page.getByTestId('demo-phase');
  await expect(phase).toHaveAttribute('data-phase', /^(done|error)$/, { timeout: 500_000 });
  await expect(page.getByTestId('demo-error')).toHaveCount(0);
  await expect(phase).toHaveAttribute('data-complete', 'false');
  const headline = (await phase.textContent()) ?? '';
  const total = DEMO_PRESET.steps!;
  const match = new RegExp(`^Stopped at the 1 s budget after (\\d+) of ${total} steps$`).exec(headline);
  expect(match, headline).not.toBeNull();
  const steps = Number(match![1]);
  expect(steps).toBeGreaterThanOrEqual(1);
  expect(steps).toBeLessThan(total);
  await expect(page.getByTestId('demo-budget-note')).toContainText(`after ${steps} of ${total} steps`);
  await expect(page.getByTestId('demo-image-auroc')).toBeVisible();
});
