import { expect, type Page } from '@playwright/test';

/** Waits for the built-in dataset, clicks Run demo and waits until it has evaluated. */
export async function runDemo(page: Page, timeout = 800_000): Promise<void> {
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await page.getByTestId('demo-run').click();
  // Done or failed, whichever comes first; a failure shows its message right away.
  const phase = page.getByTestId('demo-phase');
  await expect(phase).toHaveAttribute('data-phase', /^(done|error)$/, { timeout });
  await expect(page.getByTestId('demo-error')).toHaveCount(0);
  await expect(phase).toHaveAttribute('data-phase', 'done');
}
