import { expect, type Page } from '@playwright/test';

/** Waits for the built-in dataset, clicks Run demo and waits until it has evaluated. */
export async function runDemo(page: Page): Promise<void> {
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await page.getByTestId('demo-run').click();
  await expect(page.getByTestId('demo-phase')).toHaveAttribute('data-phase', 'done', { timeout: 800_000 });
}
