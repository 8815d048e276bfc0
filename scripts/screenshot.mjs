#!/usr/bin/env node
// Refreshes docs/screenshot.png from the built app: starts `vite preview`, opens it in the system
// Chromium (with WebGPU), waits for the engine, runs the conv2d self-check, saves 1280x720.
// Usage: npm run build && node scripts/screenshot.mjs [query, e.g. "?backend=wasm"] [tab id]
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';

const PORT = 4179;
const [query = '', tab = 'dataset'] = process.argv.slice(2);

// Spawned directly (not through npx) so that killing it stops the server itself.
const server = spawn(
  process.execPath,
  ['node_modules/vite/bin/vite.js', 'preview', '--port', String(PORT), '--strictPort'],
  {
    stdio: 'ignore',
  },
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

try {
  const base = `http://localhost:${PORT}/`;
  await waitForServer(base);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`${base}${query}#${tab}`);
  await page.locator('[data-status=ready]').waitFor({ timeout: 60_000 });
  await page.getByTestId('selftest-run').click();
  await page.getByTestId('selftest-result').waitFor({ timeout: 60_000 });
  mkdirSync('docs', { recursive: true });
  await page.screenshot({ path: 'docs/screenshot.png' });
  console.log('wrote docs/screenshot.png');
  await browser.close();
} finally {
  stop();
}
