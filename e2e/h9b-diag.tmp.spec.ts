import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED } from './helpers/serve-folder';
test('diag', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  await page.getByTestId('tab-dataset').click();
  console.log('inputs', await page.locator('[data-testid=folder-input]').count());
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(join(SHARED, 'data/mvtec-fullres-subset/bottle'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.waitForTimeout(3000);
  console.log((await page.getByTestId('dataset-summary').innerText()).slice(0, 800));
});
