import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CONFIG_SCHEMA } from '../src/core/config';
import { readPth } from '../src/core/io/pth';
import { fmt } from '../src/ui/results/view';
import { listRelative } from './helpers/serve-folder';
import { BOTTLE, openTab, resultsCsv, trainAndEvaluate } from './helpers/tiny-run';

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
  await trainAndEvaluate(page, { gradNormEvery: 1 });
  // Off the F1-max threshold, so the report must follow the Results tab's choice.
  await page.getByTestId('image-threshold-handle').focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  const app = await appFigures(page);
  await openTab(page, 'export');

  // Export for PyTorch: the plan first (each part and the whole with its size), then the zip torch reads.
  const plan = page.getByTestId('export-plan-pytorch');
  await expect(plan).toContainText('bottle/best_model.pt');
  await expect(plan).toContainText('bottle/memory_banks.safetensors');
  for (const kind of ['pytorch', 'report']) {
    for (const size of await page.getByTestId(`export-plan-${kind}`).locator('td.num').allInnerTexts())
      expect(size).toMatch(/^(≈ )?\d+(\.\d)? (B|KiB|MiB)$/);
    await expect(page.getByTestId(`export-write-${kind}`)).toHaveText(
      /^Write bottle-dmgrd-mobilenet_v2-step3-\S+ \((about )?\d+(\.\d)? (B|KiB|MiB)\)$/,
    );
  }
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
  for (const id of [
    'report-loss',
    'report-grad',
    'report-curve-roc',
    'report-curve-roc-pixel',
    'report-curve-pro',
  ])
    await expect(reader.getByTestId(id).locator('path')).not.toHaveCount(0);

  // One row per defect type: its images, mean score and how many the threshold flags, from the
  // app's own scores.
  const types = [...new Set(rows.filter((r) => r.label === 1).map((r) => r.defectType))];
  expect(types).toEqual(['broken_large']);
  const perType = reader.getByTestId('report-per-type').locator('tbody tr');
  await expect(perType).toHaveCount(types.length);
  for (const [k, type] of types.entries()) {
    const own = rows.filter((r) => r.label === 1 && r.defectType === type).map((r) => r.score);
    const cells = await perType.nth(k).locator('td').allInnerTexts();
    expect(cells[0]).toBe(type);
    expect(cells[1]).toBe(String(own.length));
    expect(cells[6]).toBe(fmt(own.reduce((a, b) => a + b, 0) / own.length));
    expect(cells[7]).toBe(`${own.filter((x) => x >= t).length} / ${own.length}`);
  }

  // The dataset as loaded, every configuration option as trained, the backend and the times.
  const cell = (table: string, row: string) =>
    reader
      .getByTestId(table)
      .locator('tr', { has: reader.getByText(row, { exact: true }) })
      .locator('td');
  const pngs = listRelative(BOTTLE).filter((f) => f.endsWith('.png'));
  const trainCount = pngs.filter((f) => f.startsWith('train/')).length;
  const testCount = pngs.filter((f) => f.startsWith('test/')).length;
  expect(rows).toHaveLength(testCount);
  const dataset = reader.locator('section', {
    has: reader.getByRole('heading', { name: 'Dataset', exact: true }),
  });
  await expect(dataset.locator('tr', { hasText: 'Training images' }).locator('td').nth(1)).toHaveText(
    String(trainCount),
  );
  await expect(dataset.locator('tr', { hasText: 'Test images' }).locator('td').nth(1)).toHaveText(
    new RegExp(`^${testCount} \\(`),
  );
  await expect(dataset.locator('tr', { hasText: 'Stored size' }).locator('td').nth(1)).toHaveText(
    '64 × 64 px',
  );
  const trained = {
    teacher: 'mobilenet_v2',
    imageSize: 64,
    batchSize: 2,
    steps: 3,
    memoryItems: 3,
    gradNormEvery: 1,
  };
  for (const [key, value] of Object.entries(trained))
    await expect(
      cell('report-config', CONFIG_SCHEMA[key as keyof typeof CONFIG_SCHEMA].label).nth(1),
    ).toHaveText(String(value));
  const times = reader.getByTestId('report-times');
  await expect(times.locator('tr', { hasText: 'Backend' })).toContainText('WASM');
  await expect(times.locator('tr', { hasText: 'Training' })).toContainText('3 steps in this session');
  await expect(times.locator('tr', { hasText: 'Evaluation' })).toContainText(`${testCount} test images`);
  await reader.screenshot({ path: `${SHOTS}/run-report.png`, fullPage: true });
  await context.close();
});
