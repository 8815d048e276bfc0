import { expect, type Page } from '@playwright/test';

/** Clicks a tab and waits for its panel. */
export async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/** Evaluates the open model in Results; the score of each of the `count` test images, in dataset order. */
export async function evaluateScores(page: Page, count: number): Promise<number[]> {
  await openTab(page, 'results');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 300_000 });
  await expect(page.locator('[data-testid^=result-tile-]')).toHaveCount(count);
  return page.evaluate((n) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++)
      out.push(Number(document.querySelector<HTMLElement>(`[data-testid=result-tile-${i}]`)!.dataset.score));
    return out;
  }, count);
}
