import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import type { ParityReport } from '../workers/parity-api';
import { PARITY_FILES as FILES } from '../src/core/parity/files';

// The goldens stay in ../shared: the test process reads them and serves them to the page on a
// same-origin path, so the page (COEP require-corp) fetches them like any other asset.
const GOLDEN = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/golden');

test.skip(!existsSync(GOLDEN), 'no ../shared/golden');

async function serveGoldens(page: Page): Promise<void> {
  await page.route('**/__golden__/*', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    if (!FILES.includes(name)) return route.fulfill({ status: 404 });
    return route.fulfill({
      body: readFileSync(resolve(GOLDEN, name)),
      contentType: 'application/octet-stream',
    });
  });
}

function table(reports: ParityReport[]): string {
  const fmt = (r: ParityReport): string =>
    [
      r.pass ? 'ok  ' : 'FAIL',
      r.fixture.padEnd(22),
      r.check.padEnd(46),
      (r.skipped ? `skipped: ${r.skipped}` : (r.error ?? NaN).toExponential(2)).padStart(9),
      `≤ ${r.tolerance}`,
    ].join(' ');
  return reports.map(fmt).join('\n');
}

async function runParity(page: Page, query: string, backend: string): Promise<void> {
  // SwiftShader compiles one pipeline per op and shape: the first forward of each network is mostly
  // compilation (resnet18: ~29 s cold vs ~3 s warm on the loaded 2-core box). WASM needs ~10 s.
  test.setTimeout(240_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    if (m.type() === 'error' || m.type() === 'warning') console.log(`[page ${m.type()}] ${m.text()}`);
  });
  await serveGoldens(page);
  await page.goto(`/?automation=1${query}`);
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', backend);

  // One call per fixture, so a slow or failing one is named and each is timed.
  const reports: ParityReport[] = [];
  const timings: string[] = [];
  for (const file of FILES) {
    const { part, ms } = await page.evaluate(async (name) => {
      const engine = window.__engine;
      if (!engine) throw new Error('window.__engine is missing (needs ?automation=1)');
      const res = await fetch(`/__golden__/${name}`);
      if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const t0 = performance.now();
      const part = await engine.runParity([{ name, bytes }]);
      return { part, ms: performance.now() - t0 };
    }, file);
    reports.push(...part);
    timings.push(`${file} ${Math.round(ms)} ms`);
    console.log(`${backend}: ${file} ${Math.round(ms)} ms`);
  }

  const text = `${backend}: ${timings.join(', ')}\n${table(reports)}`;
  console.log(text);
  await test.info().attach(`parity-${backend}.txt`, { body: text, contentType: 'text/plain' });

  expect(new Set(reports.map((r) => r.fixture)).size).toBe(FILES.length);
  expect(reports.length).toBeGreaterThan(60);
  expect(reports.every((r) => r.backend === backend)).toBe(true);
  expect(reports.filter((r) => !r.pass)).toEqual([]);
  expect(consoleErrors).toEqual([]);
}

test('forward goldens pass in the worker on WebGPU (SwiftShader)', async ({ page }) => {
  await runParity(page, '&backend=webgpu', 'webgpu');
});

test('forward goldens pass in the worker on WASM', async ({ page }) => {
  await runParity(page, '&backend=wasm', 'wasm');
});
