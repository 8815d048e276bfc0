import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { readPth } from '../src/core/io/pth';
import { openTab, resultsCsv, trainAndEvaluate } from './helpers/tiny-run';

// The Export panel's file exports end to end on WASM: a tiny model trained and evaluated through the
// UI, then the PyTorch export (read back as torch would) and the run report, opened offline in a
// fresh browser context, whose figures must be the ones the Results tab shows.
const SHOTS = 'test-results/screenshots';

/** What the Results tab shows: metrics, threshold, confusion counts, histogram bars, tile scores. */
async function appFigures(page: Page) {
  const text = (id: string) => page.getByTestId(id).innerText();
  const metrics: Record<string, string> = {};
  for (const id of ['i-auroc', 'p-auroc', 'pro-full', 'pro-03', 'f1-image', 'f1-pixel'])
    metrics[id] = await text(`metric-${id}`);
  const confusion: Record<string, string> = {};
  for (const id of ['tp', 'fp', 'fn', 'tn', 'tpr', 'fpr']) confusion[id] = await text(id);
  return {
    metrics,
    confusion,
    threshold: await text('image-threshold'),
    bars: await page.locator('[data-testid=score-histogram] rect title').allTextContents(),
  };
}

test('PyTorch export and run report from the Export panel', async ({ page, browser }) => {
  test.setTimeout(900_000);
  await trainAndEvaluate(page);
  // Off the F1-max threshold, so the report must follow the Results tab's choice.
  await page.getByTestId('image-threshold-handle').focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  const app = await appFigures(page);
  await openTab(page, 'export');

  // Export for PyTorch: the plan first, then the zip torch reads.
  const plan = page.getByTestId('export-plan-pytorch');
  await expect(plan).toContainText('bottle/best_model.pt');
  await expect(plan).toContainText('bottle/memory_banks.safetensors');
  const [ptDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-write-pytorch').click(),
  ]);
  expect(ptDownload.suggestedFilename()).toBe('bottle-dmgrd-mobilenet_v2-step3-pytorch.zip');
  await expect(page.getByTestId('export-done-pytorch')).toBeVisible();
  const files = unzipSync(readFileSync(await ptDownload.path()));
  expect(Object.keys(files)).toEqual([
    'bottle/best_model.pt',
    'bottle/memory_banks.safetensors',
    'README.txt',
  ]);
  const weights = readPth(files['bottle/best_model.pt']);
  const groups = new Set([...weights.keys()].map((k) => k.split('.')[0]));
  expect([...groups]).toEqual(['msff', 'student', 'bn']);
  expect(weights.get('bn.bn_layer.0.bn1.num_batches_tracked')!.data[0]).toBe(3);

  // The run report, at the threshold chosen above.
  await expect(page.getByTestId('export-plan-report')).toContainText('-report.html');
  const [reportDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-write-report').click(),
  ]);
  expect(reportDownload.suggestedFilename()).toBe('bottle-dmgrd-mobilenet_v2-step3-report.html');
  const reportPath = test.info().outputPath('report.html');
  await reportDownload.saveAs(reportPath);
  const rows = await resultsCsv(page);

  // Offline, in a context that shares nothing with the app: the only request is the file itself.
  const context = await browser.newContext({ offline: true });
  const reader = await context.newPage();
  const requests: string[] = [];
  reader.on('request', (r) => requests.push(r.url()));
  const url = pathToFileURL(reportPath).href;
  await reader.goto(url);
  await expect(reader.getByTestId('report-metrics')).toBeVisible();
  expect(requests).toEqual([url]);
  for (const [id, value] of Object.entries(app.metrics))
    await expect(reader.getByTestId(`report-metric-${id}`)).toHaveText(value);
  await expect(reader.getByTestId('report-image-threshold')).toHaveText(app.threshold);
  for (const [id, value] of Object.entries(app.confusion))
    await expect(reader.getByTestId(`report-${id}`)).toHaveText(value);
  expect(await reader.locator('[data-testid=report-histogram] rect title').allTextContents()).toEqual(
    app.bars,
  );

  // Its mistakes are the images the threshold gets wrong, worst first, with an overlay each.
  const data = JSON.parse((await reader.locator('#report-data').textContent()) ?? '') as {
    choices: { imageThreshold: number };
  };
  const t = data.choices.imageThreshold;
  const tests = rows.map((r, i) => ({ i, label: r.label, score: r.score }));
  const fp = tests.filter((x) => x.label === 0 && x.score >= t).sort((a, b) => b.score - a.score);
  const fn = tests.filter((x) => x.label === 1 && x.score < t).sort((a, b) => a.score - b.score);
  const shown = async (kind: string) =>
    reader
      .locator(`[data-testid=report-${kind}] figure`)
      .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.index)));
  expect(await shown('false-positives')).toEqual(fp.slice(0, 8).map((x) => x.i));
  expect(await shown('false-negatives')).toEqual(fn.slice(0, 8).map((x) => x.i));
  const loaded = await reader
    .locator('img')
    .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
  expect(loaded).toEqual(new Array(Math.min(fp.length, 8) + Math.min(fn.length, 8)).fill(64));
  for (const id of ['report-loss', 'report-curve-roc', 'report-curve-roc-pixel', 'report-curve-pro'])
    await expect(reader.getByTestId(id).locator('path')).not.toHaveCount(0);
  await reader.screenshot({ path: `${SHOTS}/run-report.png`, fullPage: true });
  await context.close();
});
