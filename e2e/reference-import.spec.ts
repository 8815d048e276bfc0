import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readSafetensors, writeSafetensors, type NamedArray } from '../src/core/io/safetensors';
import { SHARED } from './helpers/serve-folder';

// A model "trained with the authors' code" for the ResNet18 variant, assembled from the goldens (the
// MSFF golden has exactly ResNet18's channel counts): best_model weights (msff / bn / student) and
// the torchvision teacher state dict, written to a temp folder, imported through the Export panel.
function goldenFiles(): { checkpoint: string; teacher: string } {
  const read = (name: string) => readSafetensors(gunzipSync(readFileSync(join(SHARED, 'golden', name))));
  const pick = (m: Map<string, NamedArray>, re: RegExp, strip = '') =>
    new Map(
      [...m]
        .filter(([k]) => re.test(k))
        .map(([k, v]) => [k.slice(strip.length), { shape: v.shape, data: v.data as Float32Array }]),
    );
  const dir = mkdtempSync(join(tmpdir(), 'dmgrd-ref-'));
  const checkpoint = join(dir, 'best_model.safetensors');
  const teacher = join(dir, 'resnet18.safetensors');
  const weights = new Map([
    ...pick(read('ocbe_student_resnet18.safetensors.gz'), /^(bn|student)\./),
    ...pick(read('msff_resnet18.safetensors.gz'), /^msff\./),
  ]);
  writeFileSync(checkpoint, writeSafetensors(weights));
  writeFileSync(
    teacher,
    writeSafetensors(pick(read('backbone_resnet18.safetensors.gz'), /^teacher\./, 'teacher.')),
  );
  return { checkpoint, teacher };
}

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

async function openWithBottle(page: Page): Promise<void> {
  await page.goto('/?automation=1&backend=wasm&demo=0');
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(join(SHARED, 'data/mvtec-fullres-subset/bottle'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
}

/** Creates a small MobileNetV2 run; the tensors the worker holds then. */
const tensorsWithNewRun = (page: Page): Promise<number> =>
  page.evaluate(async () => {
    const engine = window.__engine!;
    const config = {
      teacher: 'mobilenet_v2',
      imageSize: 64,
      batchSize: 2,
      steps: 2,
      memoryItems: 3,
    } as const;
    await engine.createSession(config, { taskId: 'second-run' });
    return (await engine.memory()).numTensors;
  });

test('imports a reference DM-GRD checkpoint with its torchvision teacher and evaluates it', async ({
  page,
  context,
}) => {
  test.setTimeout(300_000);
  const files = goldenFiles();
  await openWithBottle(page);

  await openTab(page, 'export');
  // The wrong pairing first: a teacher file given as the checkpoint is refused with a reason.
  await page.getByTestId('reference-checkpoint-input').setInputFiles(files.teacher);
  await page.getByTestId('reference-teacher-input').setInputFiles(files.teacher);
  await page.locator('.torch-import select').selectOption('64');
  await page.getByTestId('reference-import').click();
  await expect(page.getByTestId('import-error')).toContainText('not a DM-GRD reference checkpoint');

  await page.getByTestId('reference-checkpoint-input').setInputFiles(files.checkpoint);
  await page.getByTestId('reference-import').click();
  await expect(page.getByTestId('import-done')).toContainText('dmgrd on resnet18', { timeout: 120_000 });

  await openTab(page, 'results');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible({ timeout: 120_000 });
  const scores = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid^=result-tile-]')].map((el) =>
      Number(el.dataset.score),
    ),
  );
  expect(scores).toHaveLength(10);
  expect(scores.every((s) => Number.isFinite(s) && s > 0)).toBe(true);
  await page.screenshot({ path: 'test-results/screenshots/reference-import.png' });

  // A new run replaces the imported model and leaves nothing of it behind (the filter planes its
  // evaluation kept included): the worker holds what it holds in a page that never imported.
  const afterImport = await tensorsWithNewRun(page);
  const fresh = await context.newPage();
  await openWithBottle(fresh);
  expect(afterImport).toBe(await tensorsWithNewRun(fresh));
});
