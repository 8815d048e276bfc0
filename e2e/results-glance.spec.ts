import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from './helpers/serve-folder';

// Results at a glance on WASM, through the UI only: the next step said before an evaluation, the
// per-type table and filter, heat maps on the grid's tiles, the detail map at the stored image size
// (128 px) while the model scores at 64 px, and the run id and config in the JSON export.
const BOTTLE = join(SHARED, 'data/mvtec-fullres-subset/bottle');
const DEFECT = 'broken_large';

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/** Share of clearly coloured (non-grey) pixels of a canvas. */
function colouredShare(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      const spread =
        Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
      if (spread > 40) coloured++;
    }
    return coloured / (data.length / 4);
  });
}

test('results at a glance: next step, per-type metrics and filter, tile maps, stored-size map, JSON run id', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/?backend=wasm&demo=0');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready', {
    timeout: 120_000,
  });
  await openTab(page, 'results');
  await expect(page.getByTestId('results-next-step')).toHaveText(/^Load a dataset/);

  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('128');
  await page.getByTestId('folder-input').setInputFiles(BOTTLE);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();

  await openTab(page, 'train');
  await page.getByTestId('cfg-model').selectOption('dmgrd');
  await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
  await page.getByTestId('cfg-imageSize').fill('64');
  await page.getByTestId('cfg-batchSize').fill('2');
  await page.getByTestId('cfg-steps').fill('2');
  await page.getByTestId('cfg-memoryItems').fill('3');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
    timeout: 400_000,
  });
  // Reference mode: the flat terms are explained beside the loss chart.
  await expect(page.getByTestId('loss-hints').locator('[data-term=ot]')).toContainText('L_OT stays at 0');
  await expect(page.getByTestId('loss-hints').locator('[data-term=se]')).toContainText('L_SE');
  const runId = ((await page.getByTestId('train-run-id').textContent()) ?? '').split(' · ')[0].trim();
  expect(runId.length).toBeGreaterThan(0);

  // A model that is not evaluated: the tab says to evaluate it.
  await openTab(page, 'results');
  await expect(page.getByTestId('results-next-step')).toContainText('is not evaluated yet: press Evaluate');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('[data-testid^=result-tile-]')).toHaveCount(10);

  // Per type: counts and the defect type's image AUROC.
  await expect(page.getByTestId('type-count-good')).toHaveText('5');
  await expect(page.getByTestId(`type-count-${DEFECT}`)).toHaveText('5');
  await expect(page.getByTestId(`type-i-auroc-${DEFECT}`)).toHaveText(/^\d+\.\d\d %$/);
  await expect(page.getByTestId('type-i-auroc-good')).toHaveText('—');

  // Filter by type (select and table button), scores stay sorted.
  await page.getByTestId('type-filter').selectOption(DEFECT);
  const tiles = page.locator('[data-testid^=result-tile-]');
  await expect(tiles).toHaveCount(5);
  await expect(page.getByTestId('grid-count')).toHaveText('5 of 10 images');
  await expect(tiles.locator('.badge')).toHaveText(Array(5).fill(DEFECT));
  const scores = await tiles.evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.score)));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await page.getByTestId('type-filter-good').click();
  await expect(tiles.locator('.badge')).toHaveText(Array(5).fill('good'));
  await page.getByTestId('type-filter-good').click();
  await expect(tiles).toHaveCount(10);

  // Heat maps on the tiles: every tile drawn, and coloured.
  await page.getByTestId('grid-maps').check();
  const mapTiles = page.locator('[data-testid^=map-tile-]');
  await expect(mapTiles).toHaveCount(10);
  await expect(page.locator('[data-testid^=map-tile-][data-ready=true]')).toHaveCount(10);
  const first = await mapTiles.first().getAttribute('data-testid');
  expect(await colouredShare(page, first!)).toBeGreaterThan(0.2);
  await page.screenshot({ path: 'test-results/screenshots/results-glance.png', fullPage: true });

  // Detail view: the map at the stored 128 px, not the model's 64 px.
  await page.locator('[data-testid^=result-tile-][data-rank="0"]').click();
  await expect(page.getByTestId('overlay-canvas')).toBeVisible();
  expect(await page.getByTestId('overlay-canvas').evaluate((el) => (el as HTMLCanvasElement).width)).toBe(
    128,
  );
  await expect(page.getByTestId('detail-resolution')).toHaveText(
    '128 px as stored; the model scored it at 64 px and its map is enlarged to match',
  );
  await page.screenshot({ path: 'test-results/screenshots/results-glance-detail.png' });
  await page.getByTestId('detail-close').click();

  // The JSON export names the run and its configuration.
  await openTab(page, 'export');
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const jsonPath = test.info().outputPath('results.json');
  await json.saveAs(jsonPath);
  const parsed = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    runId: string;
    config: { imageSize: number; steps: number; teacher: string };
    perType: Record<string, { images: number }>;
  };
  expect(parsed.runId).toBe(runId);
  expect(parsed.config).toMatchObject({ imageSize: 64, steps: 2, teacher: 'mobilenet_v2' });
  expect(parsed.perType[DEFECT].images).toBe(5);
});
