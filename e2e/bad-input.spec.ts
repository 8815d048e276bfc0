import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CORPUS_COUNTS, imageCorpus, manyFiles, rgbPng } from '../test/helpers/bad-corpus';

// The bad-input corpus of docs/reliability.md, decoded for real in Chromium: every bad file gets its
// own message (which file, what is wrong, what happens next) and the good ones still load. Then bad
// model files through the Export panel leave the current model as it was.

async function openTab(page: Page, id: string): Promise<void> {
  await page.getByTestId(`tab-${id}`).click();
  await expect(page.getByTestId(`panel-${id}`)).toBeVisible();
}

/** Writes the corpus to a temp folder; returns the `bad` category folder to hand to the input. */
function writeCorpus(): { root: string; folder: string } {
  const root = mkdtempSync(join(tmpdir(), 'dmgrd-bad-'));
  for (const f of imageCorpus()) {
    const p = join(root, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.bytes);
  }
  return { root, folder: join(root, 'bad') };
}

async function loadCorpus(page: Page, folder: string): Promise<void> {
  await openTab(page, 'dataset');
  await page.getByTestId('dataset-size').selectOption('64');
  await page.getByTestId('folder-input').setInputFiles(folder);
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 30_000 });
}

test('bad image files: each is named with what is wrong and what happens next; the rest loads', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { root, folder } = writeCorpus();
  try {
    await page.goto('/?backend=wasm&demo=0');
    await loadCorpus(page, folder);
    await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', String(CORPUS_COUNTS.train));
    await expect(page.getByTestId('count-test')).toHaveAttribute(
      'data-count',
      String(CORPUS_COUNTS.testTotal),
    );
    await expect(page.getByTestId('count-test-good')).toHaveAttribute('data-count', '1');
    await expect(page.getByTestId('count-test-crack')).toHaveAttribute('data-count', '4');
    await expect(page.getByTestId('count-masks')).toHaveText(String(CORPUS_COUNTS.masks));
    // Every file not used is counted as left out: the unreadable ones as well as the non-images.
    const leftOut = imageCorpus().filter((f) => !f.expect.loads).length;
    expect(leftOut).toBeGreaterThan(10);
    await expect(page.getByTestId('count-ignored')).toHaveText(String(leftOut));

    const rows = await page
      .getByTestId('dataset-problems')
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => {
          const td = tr.querySelectorAll('td');
          return {
            code: (tr as HTMLElement).dataset.code ?? '',
            path: td[1].textContent ?? '',
            message: td[2].textContent ?? '',
            consequence: td[3].textContent ?? '',
          };
        }),
      );
    for (const f of imageCorpus()) {
      const mine = rows.filter((r) => r.path === f.path);
      if (!f.expect.code) {
        expect(mine, `${f.what} (${f.path}) loads without a problem`).toEqual([]);
        continue;
      }
      expect(mine, `${f.what} (${f.path})`).toHaveLength(1);
      expect(mine[0].code, f.path).toBe(f.expect.code);
      if (f.expect.message) expect(mine[0].message, f.path).toMatch(f.expect.message);
      if (f.expect.consequence) expect(mine[0].consequence, f.path).toMatch(f.expect.consequence);
    }
    // Every loaded training image has a thumbnail, the odd names included.
    await expect(page.getByTestId('thumb-grid-train').locator('canvas[data-ready="true"]')).toHaveCount(
      CORPUS_COUNTS.train,
    );
    expect(errors).toEqual([]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A small source tree: code, a `test/` folder (which an MVTec reading takes for a split), an icon. */
function writeSourceTree(): { root: string; folder: string } {
  const root = mkdtempSync(join(tmpdir(), 'dmgrd-src-'));
  const folder = join(root, 'project');
  const files: [string, string | Buffer][] = [
    ['package.json', '{"name": "project"}'],
    ['README.md', '# project'],
    ['src/main.ts', 'export {};'],
    ['src/util.ts', 'export const x = 1;'],
    ['test/core/util.test.ts', 'test("x", () => {});'],
    ['test/fixtures/icon.png', rgbPng(8)],
  ];
  for (const [rel, body] of files) {
    mkdirSync(dirname(join(folder, rel)), { recursive: true });
    writeFileSync(join(folder, rel), body);
  }
  return { root, folder };
}

test('a folder that is not a dataset is refused and the loaded dataset stays', async ({ page }) => {
  test.setTimeout(60_000);
  const corpus = writeCorpus();
  const tree = writeSourceTree();
  try {
    await page.goto('/?backend=wasm&demo=0');
    await loadCorpus(page, corpus.folder);
    await expect(page.getByTestId('dataset-category')).toHaveText('bad');
    await page.getByTestId('folder-input').setInputFiles(tree.folder);
    const error = page.getByTestId('dataset-error');
    await expect(error).toContainText('project is not a dataset folder: it has no normal training image');
    await expect(error).toContainText('A dataset folder is an MVTec AD category (bottle/train/good/*.png');
    await expect(error).toContainText('The loaded dataset, bad, stays loaded.');
    await expect(page.getByTestId('dataset-category')).toHaveText('bad');
    await expect(page.getByTestId('count-train')).toHaveAttribute('data-count', String(CORPUS_COUNTS.train));
    await expect(
      page.getByTestId('dataset-problems').locator('tbody tr', { hasText: 'project/' }),
    ).toHaveCount(0);
  } finally {
    rmSync(corpus.root, { recursive: true, force: true });
    rmSync(tree.root, { recursive: true, force: true });
  }
});

test('thousands of files load through the worker with bounded progress', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('/?automation=1&backend=wasm&demo=0');
  await page.waitForFunction(() => window.__engine !== undefined);
  const files = manyFiles(2000).map((f) => ({ path: f.path, b64: f.bytes.toString('base64') }));
  const summary = await page.evaluate(async (files) => {
    const engine = window.__engine!;
    await engine.init({ backend: 'wasm' });
    const input = files.map((f) => ({
      path: f.path,
      file: new Blob([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))]),
    }));
    const s = await engine.loadDataset(input, { taskId: 'many', size: 16 });
    return { train: s.counts.train, test: s.counts.testTotal, problems: s.problems.map((p) => p.code) };
  }, files);
  expect(summary).toEqual({ train: 2000, test: 1, problems: ['no-anomalous-test'] });
});

test('bad model files through the Export panel: a clear message, the current model untouched', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const { root, folder } = writeCorpus();
  try {
    await page.goto('/?automation=1&backend=wasm&demo=0');
    await page.waitForFunction(() => window.__engine !== undefined);
    await loadCorpus(page, folder);
    // A small DM-GRD model on the MobileNetV2 teacher, and a copy of it that claims another teacher.
    const made = await page.evaluate(async () => {
      const engine = window.__engine!;
      await engine.createSession(
        { teacher: 'mobilenet_v2', model: 'dmgrd', imageSize: 64, batchSize: 2, steps: 2, memoryItems: 3 },
        { taskId: 'create' },
      );
      const info = await engine.sessionInfo();
      const bytes = await engine.exportCheckpoint();
      // Rewrite the safetensors header: same tensors, metadata saying EfficientNet-B0.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const len = Number(view.getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
      const meta = JSON.parse(header.__metadata__.meta);
      meta.config.teacher = 'efficientnet_b0';
      header.__metadata__.meta = JSON.stringify(meta);
      let json = new TextEncoder().encode(JSON.stringify(header));
      const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
      padded.set(json);
      json = padded;
      const out = new Uint8Array(8 + json.length + bytes.byteLength - 8 - len);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(bytes.subarray(8 + len), 8 + json.length);
      let b64 = '';
      for (let i = 0; i < out.length; i += 0x8000) b64 += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return { info, size: bytes.byteLength, otherTeacher: btoa(b64) };
    });
    expect(made.info?.config.teacher).toBe('mobilenet_v2');

    const untouched = async (): Promise<void> => {
      const now = await page.evaluate(async () => {
        const engine = window.__engine!;
        // Exporting reads every weight: it fails if the session's tensors were freed.
        return { info: await engine.sessionInfo(), size: (await engine.exportCheckpoint()).byteLength };
      });
      expect(now.info?.runId).toBe(made.info?.runId);
      expect(now.info?.config).toEqual(made.info?.config);
      expect(now.size).toBe(made.size);
    };

    await openTab(page, 'export');
    const importError = page.getByTestId('import-error');
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 17) & 0xff));
    await page.getByTestId('import-checkpoint-input').setInputFiles({
      name: 'garbage.safetensors',
      mimeType: 'application/octet-stream',
      buffer: garbage,
    });
    await expect(importError).toHaveText(
      'Could not import the checkpoint: This file is not a playground checkpoint (no readable safetensors header). Nothing was imported; the current model is unchanged.',
    );
    await untouched();

    // Loading the other teacher succeeds; the checkpoint then does not fit it, and the old model stays.
    await page.getByTestId('import-checkpoint-input').setInputFiles({
      name: 'other-teacher.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(made.otherTeacher, 'base64'),
    });
    await expect(importError).toHaveText(
      "Could not import the checkpoint: The checkpoint's teacher has channels 48/96/192, this one 24/40/112. Nothing was imported; the current model is unchanged.",
      { timeout: 60_000 },
    );
    await untouched();

    // A reference import whose checkpoint is garbage is refused by name.
    await page.getByTestId('reference-checkpoint-input').setInputFiles({
      name: 'best_model.pth',
      mimeType: 'application/octet-stream',
      buffer: garbage,
    });
    await page.getByTestId('reference-teacher-input').setInputFiles({
      name: 'resnet18.pth',
      mimeType: 'application/octet-stream',
      buffer: garbage,
    });
    await page.getByTestId('reference-import').click();
    await expect(importError).toContainText(
      'best_model.pth: not a PyTorch checkpoint (.pth/.pt zip or legacy) nor a safetensors file (it begins with bytes 11 94 17 9a',
    );
    await expect(importError).toContainText('Nothing was imported; the current model is unchanged.');
    await untouched();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
