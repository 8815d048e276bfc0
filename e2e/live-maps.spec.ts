import { expect, test } from '@playwright/test';

// The Train panel's live strip: a short run on the built-in demo set re-scores its fixed test images
// between steps (and once more at the last step), so the strip updates at least twice.
test('the live anomaly maps update while a short run trains', async ({ page }) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?automation=1&backend=wasm&demo=1#train');
  await expect(page.getByTestId('demo-dataset')).toHaveAttribute('data-loaded', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('panel-train')).toBeVisible();

  const fields: [string, string][] = [
    ['imageSize', '64'],
    ['batchSize', '2'],
    ['steps', '8'],
    ['memoryItems', '3'],
    ['gradNormEvery', '0'],
  ];
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  for (const [k, v] of fields) await page.getByTestId(`cfg-${k}`).fill(v);
  await expect(page.getByTestId('live-enabled')).toBeChecked();
  await expect(page.getByTestId('live-keep-best')).not.toBeChecked();
  await page.getByTestId('train-start').click();

  const status = page.getByTestId('live-maps-status');
  // The first re-scoring comes right after the first step.
  await expect(status).toHaveAttribute('data-updates', '1', { timeout: 600_000 });
  const firstStep = Number(await status.getAttribute('data-step'));
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 600_000,
  });
  const updates = Number(await status.getAttribute('data-updates'));
  expect(updates).toBeGreaterThanOrEqual(2);
  await expect(status).toHaveAttribute('data-step', '8');
  expect(firstStep).toBeLessThan(8);
  await expect(status).toContainText('6 test images');
  await expect(status).toContainText(/scoring took \d+(\.\d)? % of the training time/);

  // Six maps drawn (grey base, colour, outline: many colours), the legend and the strip's AUROC.
  const canvases = page.locator('.live-strip__canvas');
  await expect(canvases).toHaveCount(6);
  const colours = await canvases.first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
  expect(colours).toBeGreaterThan(50);
  await expect(page.getByTestId('live-maps').getByTestId('heat-legend')).toBeVisible();
  await expect(page.getByTestId('live-auroc-chart')).toBeVisible();
  expect(errors).toEqual([]);
});
