import { expect, test } from '@playwright/test';

// The Train panel's form before any run: what it says about the options a user can pick.
test('the form says when gradient norms are off and which teachers need an import', async ({ page }) => {
  await page.goto('/?automation=1&backend=wasm&demo=0#train');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('panel-train')).toBeVisible();

  // Norms off: the gradient chart says so instead of waiting for data forever.
  const empty = page.getByTestId('grad-chart').locator('.chart-empty');
  await expect(empty).toContainText('No data yet');
  await page.getByTestId('cfg-gradNormEvery').fill('0');
  await expect(empty).toHaveText('Gradient norms are off (Per-term gradient norms every = 0).');

  // Teachers without served weights are marked in the picker, and choosing one links to the import.
  const teacher = page.getByTestId('cfg-teacher');
  await expect(teacher.locator('option[value="wide_resnet50_2"]')).toHaveText(
    'wide_resnet50_2 (needs an imported checkpoint)',
  );
  await expect(teacher.locator('option[value="efficientnet_b0"]')).toHaveText('efficientnet_b0');
  await expect(page.getByTestId('teacher-import-note')).toHaveCount(0);
  await teacher.selectOption('wide_resnet50_2');
  const note = page.getByTestId('teacher-import-note');
  await expect(note).toHaveAttribute('data-loaded', 'false');
  await expect(note).toContainText('needs an imported torchvision checkpoint');
  await page.getByTestId('teacher-import-link').click();
  await expect(page.getByTestId('panel-export')).toBeVisible();
  await expect(page.getByTestId('reference-import')).toBeVisible();
});
