#!/usr/bin/env node
// Refreshes docs/screenshot.png with a real run: serves a built bundle with `vite preview`, opens it
// in the system Chromium, runs the one-click demo on the built-in dataset (train, evaluate), waits
// for its heat maps and metrics, then shows the Results tab (curves, per-image anomaly maps) and
// saves the page.
//
//   npm run build && node scripts/screenshot.mjs
//   node scripts/screenshot.mjs --dist dist-x --query '?backend=webgpu' --tab demo --out /tmp/shot.png
//
// --query is the page's URL query (default none: the backend the app picks itself); --tab is the tab shown at the end (default results; 'demo' keeps the page as the demo left
// it); --timeout-s bounds the demo (default 900).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const { values: opts } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    query: { type: 'string', default: '' },
    tab: { type: 'string', default: 'results' },
    out: { type: 'string', default: 'docs/screenshot.png' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '1120' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const timeoutMs = Number(opts['timeout-s']) * 1000;

// A free port, so that the script runs beside other previews on a shared machine.
const port = execFileSync(process.execPath, ['.ci/free-port.mjs', '4179'], { encoding: 'utf8' }).trim();
// Spawned directly (not through npx) so that killing it stops the server itself.
const server = spawn(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'preview', '--port', port, '--strictPort', '--outDir', opts.dist],
  { stdio: 'ignore' },
);
const stop = () => server.kill('SIGTERM');

async function waitForServer(url, ms = 30_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

let failed = false;
try {
  const base = `http://localhost:${port}/`;
  await waitForServer(base);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const page = await browser.newPage({
    viewport: { width: Number(opts.width), height: Number(opts.height) },
  });
  const t0 = Date.now();
  const seconds = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  await page.goto(`${base}${opts.query}`);
  await page.locator('[data-testid=engine-status][data-status=ready]').waitFor({ timeout: 120_000 });
  await page.locator('[data-testid=demo-dataset][data-loaded=true]').waitFor({ timeout: 120_000 });
  console.log(`engine ready, demo dataset loaded (${seconds()}); running the demo`);
  await page.getByTestId('demo-run').click();
  await page
    .locator('[data-testid=demo-phase][data-phase=done], [data-testid=demo-phase][data-phase=error]')
    .waitFor({
      timeout: timeoutMs,
    });
  const error = page.getByTestId('demo-error');
  if (await error.count()) throw new Error(`the demo failed: ${await error.textContent()}`);
  // The showcase has drawn a heat map once it names the image it shows.
  await page.locator('[data-testid=demo-showcase-image]:not([data-index=""])').waitFor({ timeout: 60_000 });
  const metrics = await page.getByTestId('demo-metrics').innerText();
  console.log(`demo done (${seconds()}): ${metrics.replace(/\s+/g, ' ')}`);
  if (opts.tab !== 'demo') {
    await page.getByTestId(`tab-${opts.tab}`).click();
    // Give charts and thumbnails a moment to draw (Recharts animates; thumbnails decode lazily).
    await page.waitForTimeout(3000);
  }
  mkdirSync(dirname(opts.out), { recursive: true });
  await page.screenshot({ path: opts.out });
  console.log(`wrote ${opts.out}`);
  await browser.close();
} catch (err) {
  failed = true;
  console.error(err instanceof Error ? err.message : err);
} finally {
  stop();
}
process.exit(failed ? 1 : 0);
