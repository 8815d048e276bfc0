import { expect, test, type Locator, type Page } from '@playwright/test';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportedStep } from './helpers/engine-events';
import { SHARED } from './helpers/serve-folder';

const SHOTS = 'test-results/screenshots';
const STEPS = 40;

/** A copy of the full-resolution bottle subset plus one corrupt training image, outside the repo. */
function makeDataset(): { root: string; folder: string } {
  const root = mkdtempSync(join(tmpdir(), 'dmgrd-e2e-'));
  const folder = join(root, 'bottle');
  cpSync(join(SHARED, 'data/mvtec-fullres-subset/bottle'), folder, { recursive: true });
  mkdirSync(join(folder, 'train/good'), { recursive: true });
  // A PNG signature followed by garbage: it looks like an image by name and header, then fails.
  const garbage = Buffer.alloc(512, 0x5a);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(garbage);
  writeFileSync(join(folder, 'train/good/corrupt.png'), garbage);
  return { root, folder };
}

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

async function loadDataset(page: Page, folder: string): Promise<void> {
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(folder);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
}

/** Number of distinct RGBA colours in a canvas (a blank or failed canvas has one). */
async function distinctColours(canvas: Locator): Promise<number> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4)
      seen.add(((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]) * 256 + data[i + 3]);
    return seen.size;
  });
}

const stepOf = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('train-step').getAttribute('data-step'));

test('dataset with a corrupt file → synthetic preview → training → reload → resume', async ({ page }) => {
  test.setTimeout(900_000);
  const { root, folder } = makeDataset();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto('/?automation=1&backend=wasm&demo=0');
    await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');

    // Dataset: 5 good training images decode, the corrupt one is listed as a problem, not fatal.
    await loadDataset(page, folder);
    await expect(page.getByTestId('dataset-layout')).toHaveText('MVTec AD');
    await expect(page.getByTestId('dataset-category')).toHaveText('bottle');
    await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', '5');
    await expect(page.getByTestId('count-test')).toHaveAttribute('data-count', '10');
    await expect(page.getByTestId('count-test-broken_large')).toHaveAttribute('data-count', '5');
    await expect(page.getByTestId('count-test-good')).toHaveAttribute('data-count', '5');
    const corrupt = page.getByTestId('dataset-problems').locator('tr', { hasText: 'corrupt.png' });
    await expect(corrupt).toHaveCount(1);
    await expect(corrupt).toHaveAttribute('data-code', 'decode-failed');
    await expect(page.getByTestId('thumb-grid-train').locator('canvas[data-ready="true"]')).toHaveCount(5);
    await page.getByTestId('split-test').check();
    await expect(page.getByTestId('thumb-grid-test').locator('canvas[data-ready="true"]')).toHaveCount(10);
    await page.screenshot({ path: `${SHOTS}/panel-dataset.png`, fullPage: true });

    // Synthetic anomalies: every stage drawn, the result is a real image.
    await openTab(page, 'synthetic');
    const rows = page.getByTestId('synth-row');
    await expect(rows).toHaveCount(4);
    const result = rows.first().getByTestId('synth-result');
    await expect(result).toHaveAttribute('data-ready', 'true');
    expect(await distinctColours(result)).toBeGreaterThan(16);
    expect(await distinctColours(rows.first().getByTestId('synth-perlinMask'))).toBeGreaterThan(1);
    await expect(rows.first().getByTestId('synth-values')).toContainText('β =');
    await page.getByTestId('synth-beta-random').uncheck();
    await expect(rows.first().getByTestId('synth-values')).toContainText('β = 0.500');
    await page.screenshot({ path: `${SHOTS}/panel-synthetic.png`, fullPage: true });

    // Train the tiny teacher; an invalid value is reported first.
    await openTab(page, 'train');
    await page.getByTestId('cfg-batchSize').fill('1');
    await expect(page.getByTestId('config-error')).toContainText('Batch must be between 2 and 32');
    await expect(page.getByTestId('train-start')).toBeDisabled();
    await page.getByTestId('cfg-teacher').selectOption('mobilenet_v2');
    await page.getByTestId('cfg-imageSize').fill('64');
    await page.getByTestId('cfg-batchSize').fill('2');
    await page.getByTestId('cfg-steps').fill(String(STEPS));
    await page.getByTestId('cfg-memoryItems').fill('3');
    await page.getByTestId('cfg-gradNormEvery').fill('2');
    await page.getByTestId('cfg-checkpointEvery').fill('2');
    await expect(page.getByTestId('config-error')).toHaveText('Configuration is valid.');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'training', {
      timeout: 300_000,
    });
    await expect(page.getByTestId('train-checkpoint')).toContainText('saved at step', { timeout: 300_000 });
    await expect
      .poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('loss-chart').locator('.recharts-line-curve').first()).toBeVisible();
    await expect(page.getByTestId('grad-chart')).not.toHaveAttribute('data-points', '0');
    await expect(page.getByTestId('train-backend')).toHaveText('wasm');
    await page.screenshot({ path: `${SHOTS}/panel-train.png`, fullPage: true });
    // A tab keeps its state while another is open. The Train panel's charts hold still while it is
    // hidden, stay mounted (the same SVG), and catch up with the steps trained meanwhile.
    await page.getByTestId('chart-log').check();
    const lossSvg = page.getByTestId('loss-chart').locator('svg.recharts-surface');
    await lossSvg.evaluate((el) => el.setAttribute('data-probe', 'kept'));
    await openTab(page, 'results');
    await expect(page.getByTestId('panel-train')).toBeHidden();
    await page.waitForTimeout(500); // a redraw already under way when the tab changed
    const pointsHidden = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
    await expect.poll(() => reportedStep(page), { timeout: 300_000 }).toBeGreaterThan(pointsHidden);
    await page.waitForTimeout(1000); // the train store's next flush (every 500 ms)
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(pointsHidden));
    await openTab(page, 'train');
    await expect(page.getByTestId('chart-log')).toBeChecked();
    await expect
      .poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')))
      .toBeGreaterThan(pointsHidden);
    await expect(lossSvg).toHaveAttribute('data-probe', 'kept');
    await page.getByTestId('chart-log').uncheck();
    const before = await stepOf(page);
    expect(before).toBeLessThan(STEPS);

    // Reload mid-training: the run is offered for resumption once the dataset is back.
    await page.reload();
    await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
    const banner = page.getByTestId('resume-banner');
    await expect(banner).toBeVisible();
    await expect(banner.getByTestId('resume-needs-dataset')).toBeVisible();
    await expect(banner.getByTestId('resume-banner-resume')).toBeDisabled();
    await page.screenshot({ path: `${SHOTS}/resume-banner.png` });
    await openTab(page, 'runs');
    await expect(page.getByTestId('run-row')).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/panel-runs.png`, fullPage: true });

    await loadDataset(page, folder);
    await banner.getByTestId('resume-banner-resume').click();
    await expect(page.getByTestId('panel-train')).toBeVisible();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'training', {
      timeout: 300_000,
    });
    const resumedAt = await stepOf(page);
    expect(resumedAt).toBeGreaterThanOrEqual(2);
    await expect.poll(() => stepOf(page), { timeout: 300_000 }).toBeGreaterThan(resumedAt);
    await expect
      .poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points')))
      .toBeGreaterThanOrEqual(resumedAt);
    await page.getByTestId('train-pause').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'paused', {
      timeout: 300_000,
    });
    const pausedAt = await stepOf(page);
    await page.getByTestId('train-resume').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'training');
    await expect.poll(() => stepOf(page), { timeout: 300_000 }).toBeGreaterThan(pausedAt);
    await page.getByTestId('train-stop').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'stopped', {
      timeout: 300_000,
    });
    await page.screenshot({ path: `${SHOTS}/panel-train-resumed.png`, fullPage: true });

    // A second, shorter run to compare with the first.
    const details = page.getByTestId('config-details');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    await page.getByTestId('cfg-steps').fill('2');
    await page.getByTestId('cfg-checkpointEvery').fill('0');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-status', 'finished', {
      timeout: 300_000,
    });
    await expect(page.getByTestId('train-step')).toHaveAttribute('data-step', '2');

    await openTab(page, 'runs');
    const runRows = page.getByTestId('run-row');
    await expect(runRows).toHaveCount(2);
    // The short run reached its steps; the first was stopped before its own and resumes from there.
    await expect(runRows.nth(0)).toHaveAttribute('data-status', 'finished');
    await expect(runRows.nth(0).getByTestId('run-resume')).toHaveCount(0);
    await expect(runRows.nth(1)).toHaveAttribute('data-status', 'stopped');
    await expect(runRows.nth(1).getByTestId('run-resume')).toBeEnabled();
    await expect(page.getByTestId('resume-banner')).toHaveCount(0);
    await runRows.nth(0).getByTestId('run-compare-toggle').check();
    await runRows.nth(1).getByTestId('run-compare-toggle').check();
    const compare = page.getByTestId('run-compare');
    await expect(compare).toBeVisible();
    await expect(compare.getByTestId('compare-chart')).not.toHaveAttribute('data-points', '0');
    await expect(compare.locator('.config-diff')).toContainText(['Steps']);
    await page.screenshot({ path: `${SHOTS}/panel-runs-compare.png`, fullPage: true });
    await runRows.nth(0).getByTestId('run-delete').click();
    await runRows.nth(0).getByTestId('run-delete-confirm').click();
    await expect(runRows).toHaveCount(1);
    expect(errors).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
