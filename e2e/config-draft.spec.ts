import { expect, test } from '@playwright/test';

test('the Train form keeps its draft, an invalid value included, across a reload', async ({ page }) => {
  await page.goto('/?backend=wasm&demo=0#train');
  await expect(page.getByTestId('panel-train')).toBeVisible();
  await page.getByTestId('cfg-teacher').selectOption('efficientnet_b0');
  await page.getByTestId('cfg-steps').fill('77');
  await page.getByTestId('cfg-batchSize').fill('1');
  await page.getByTestId('cfg-checkpointEvery').fill('5');
  await expect(page.getByTestId('config-error')).toContainText('Batch must be between 2 and 32');
  await page.reload();
  await expect(page.getByTestId('panel-train')).toBeVisible();
  await expect(page.getByTestId('cfg-teacher')).toHaveValue('efficientnet_b0');
  await expect(page.getByTestId('cfg-steps')).toHaveValue('77');
  await expect(page.getByTestId('cfg-batchSize')).toHaveValue('1');
  await expect(page.getByTestId('cfg-checkpointEvery')).toHaveValue('5');
  await expect(page.getByTestId('config-error')).toContainText('Batch must be between 2 and 32');
});
