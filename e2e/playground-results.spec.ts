import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '../src/ui/train/format';
import { SHARED } from './helpers/serve-folder';

// Results, Memory and Export panels end to end on WASM, driven only through the UI: load a real MVTec
// folder, train the tiny teacher a few steps, evaluate, inspect, export, reload, import, re-evaluate.
const SHOTS = 'test-results/screenshots';
const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');
const ITEMS = 3;

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

async function loadBottle(page: Page): Promise<void> {
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
}

async function evaluate(page: Page): Promise<number[]> {
  await openTab(page, 'results');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('evaluate')).toBeEnabled();
  const tiles = page.locator('[data-testid^=result-tile-]');
  await expect(tiles).toHaveCount(10);
  return page.evaluate(() => {
    const out: number[] = [];
    document.querySelectorAll<HTMLElement>('[data-testid^=result-tile-]').forEach((el) => {
      out[Number(el.dataset.testid!.slice('result-tile-'.length))] = Number(el.dataset.score);
    });
    return out;
  });
}

/** Distinct colours and the share of clearly coloured (non-grey) pixels of a canvas. */
async function canvasStats(
  page: Page,
  testId: string,
): Promise<{ distinct: number; coloured: number; size: number }> {
  return page.getByTestId(testId).evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      const spread =
        Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
      if (spread > 40) coloured++;
    }
    return { distinct: colours.size, coloured: coloured / (data.length / 4), size: canvas.width };
  });
}

test('results, memory explorer and checkpoint round trip through the UI', async ({ page }) => {
  test.setTimeout(900_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  // demo=0: no built-in demo dataset auto-load racing the folder we load.
  await page.goto('/?backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await loadBottle(page);

  await openTab(page, 'train');
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill('4');
  await page.getByTestId('cfg-memoryItems').fill(String(ITEMS));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 600_000,
  });

  // Results: metrics, curves, histogram, sorted grid.
  const scores = await evaluate(page);
  expect(scores.every(Number.isFinite)).toBe(true);
  for (const id of ['i-auroc', 'p-auroc', 'pro-full', 'pro-03', 'f1-image', 'f1-pixel'])
    await expect(page.getByTestId(`metric-${id}`)).toHaveText(/\d+\.\d\d %/);
  await expect(page.getByText('PRO (FPR 0–1, reference)')).toBeVisible();
  await expect(page.getByText('PRO@0.3 (MVTec)')).toBeVisible();
  for (const id of ['curve-roc', 'curve-roc-pixel', 'curve-pro'])
    await expect(page.getByTestId(id).locator('.recharts-line-curve')).toHaveCount(1);
  const ranks = await page
    .locator('[data-testid^=result-tile-]')
    .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.score)));
  expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  // The threshold handle moves with the keyboard and the confusion counts always cover all images.
  await page.getByTestId('image-threshold-handle').focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('tpr')).toHaveText('100.00 %');
  await expect(page.getByTestId('fpr')).toHaveText('100.00 %');
  await page.keyboard.press('End');
  await expect(page.getByTestId('fp')).toHaveText('0');
  await page.screenshot({ path: `${SHOTS}/results-panel.png`, fullPage: true });

  // Detail view of the most anomalous image: coloured, non-uniform overlay; keyboard navigation.
  const top = page.locator('[data-testid^=result-tile-][data-rank="0"]');
  await top.click();
  const dialog = page.getByTestId('detail-view');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('overlay-canvas')).toBeVisible();
  // The dialog takes the focus, so the arrows step through the images straight away.
  const firstTitle = await page.locator('#detail-title').textContent();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#detail-title')).not.toHaveText(firstTitle ?? '');
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#detail-title')).toHaveText(firstTitle ?? '');
  await expect(page.getByTestId('overlay-canvas')).toBeVisible();
  const stats = await canvasStats(page, 'overlay-canvas');
  expect(stats.size).toBe(64);
  expect(stats.distinct).toBeGreaterThan(50);
  expect(stats.coloured).toBeGreaterThan(0.2);
  await page.getByTestId('colormap').selectOption('viridis');
  await page.getByTestId('opacity').fill('1');
  const opaque = await canvasStats(page, 'overlay-canvas');
  expect(opaque.distinct).toBeGreaterThan(5);
  // Moving the pixel threshold redraws the segmentation contour.
  const before = await page
    .getByTestId('overlay-canvas')
    .evaluate((el) => (el as HTMLCanvasElement).toDataURL());
  await page.getByTestId('pixel-threshold-slider').focus();
  await page.keyboard.press('End');
  await expect
    .poll(() => page.getByTestId('overlay-canvas').evaluate((el) => (el as HTMLCanvasElement).toDataURL()))
    .not.toBe(before);
  await page.getByRole('button', { name: /Reset to pixel F1-max/ }).click();
  await page.screenshot({ path: `${SHOTS}/results-detail.png` });
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Save PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toMatch(/^heatmap-bottle_test_.+\.png$/);
  // Focus is now on a button of the dialog: the arrows still navigate.
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#detail-title')).not.toHaveText(firstTitle ?? '');
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#detail-title')).toHaveText(firstTitle ?? '');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Memory explorer: L items per bank, re-ranked by a click, the reference degeneracy explained.
  await openTab(page, 'memory');
  await page.getByTestId('memory-test-select').selectOption('0');
  await page.getByTestId('memory-explore').click();
  await expect(page.getByTestId('normal-item')).toHaveCount(ITEMS);
  await expect(page.getByTestId('abnormal-item')).toHaveCount(ITEMS);
  await expect(page.getByTestId('memory-degenerate')).toContainText('can only pick');
  await page.getByTestId('memory-query').click({ position: { x: 40, y: 40 } });
  await expect(page.getByTestId('memory-clear-point')).toBeVisible();
  const values = await page
    .getByTestId('normal-item')
    .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.value)));
  expect(values).toEqual([...values].sort((a, b) => b - a));
  expect(values.every((v) => v >= -1 - 1e-6 && v <= 1 + 1e-6)).toBe(true);
  await expect(page.getByTestId('normal-diff-0')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/memory-explorer.png`, fullPage: true });

  // Export: checkpoint (what it holds and its exact size first), CSV.
  await openTab(page, 'export');
  const checkpointPlan = page.getByTestId('export-plan-checkpoint');
  for (const part of ['param/*', 'buffer/*', 'memory.normal.*', 'memory.abnormal.*', '__metadata__'])
    await expect(checkpointPlan).toContainText(part);
  for (const size of await checkpointPlan.locator('td.num').allInnerTexts())
    expect(size).toMatch(/^\d+(\.\d)? (B|KiB|MiB)$/);
  const button = await page.getByTestId('export-checkpoint').innerText();
  expect(button).toMatch(/^Download checkpoint \(\d+\.\d (KiB|MiB)\)$/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-checkpoint').click(),
  ]);
  expect(download.suggestedFilename()).toBe('dmgrd-bottle-mobilenet_v2-step4.safetensors');
  const checkpoint = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(checkpoint);
  // The size said before writing is the file's.
  expect(button).toBe(`Download checkpoint (${formatBytes(statSync(checkpoint).size)})`);
  await expect(page.getByTestId('export-done-checkpoint')).toHaveText(
    `Saved ${download.suggestedFilename()} (${formatBytes(statSync(checkpoint).size)}).`,
  );
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvPath = test.info().outputPath('results.csv');
  await csv.saveAs(csvPath);
  const rows = readFileSync(csvPath, 'utf8').trim().split('\n');
  expect(rows[0]).toBe('path,label,score,defect_type,predicted');
  expect(rows).toHaveLength(11);
  expect(rows.slice(1).map((r) => Number(r.split(',')[2]))).toEqual(scores);
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const jsonPath = test.info().outputPath('results.json');
  await json.saveAs(jsonPath);
  const parsed = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    scores: number[];
    metrics: { proMvtec03: number };
  };
  expect(parsed.scores).toEqual(scores);
  expect(Number.isFinite(parsed.metrics.proMvtec03)).toBe(true);
  const [zip] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-zip').click()]);
  expect(zip.suggestedFilename()).toBe('heatmaps-bottle-step4.zip');
  const zipPath = test.info().outputPath('heatmaps.zip');
  await zip.saveAs(zipPath);
  const entries = unzipSync(readFileSync(zipPath));
  expect(Object.keys(entries)).toHaveLength(10);
  for (const bytes of Object.values(entries))
    expect(Array.from(bytes.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  await page.screenshot({ path: `${SHOTS}/export-panel.png`, fullPage: true });

  // A file that is no checkpoint is refused with a message.
  await page.getByTestId('import-checkpoint-input').setInputFiles(csvPath);
  await expect(page.getByTestId('import-error')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('import-error').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/export-import-error.png` });

  // Reload, load the data again, import the file, evaluate: the same scores.
  await page.reload();
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await loadBottle(page);
  await openTab(page, 'export');
  await page.getByTestId('import-checkpoint-input').setInputFiles(checkpoint);
  await expect(page.getByTestId('import-done')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('import-done')).toContainText('step 4');
  const again = await evaluate(page);
  expect(again).toHaveLength(scores.length);
  for (let i = 0; i < scores.length; i++) expect(Math.abs(again[i] - scores[i])).toBeLessThan(1e-5);
  expect(consoleErrors).toEqual([]);
});
