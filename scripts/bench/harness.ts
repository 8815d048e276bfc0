// What every browser-driven runner shares (`npm run bench`, `npm run bench:speed`): build the
// bundle, serve it with `vite preview`, launch headless Chromium and open engine pages through the
// automation hook (`?automation=1`), then drain the engine's event log while long calls run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs';
import type { BackendRequest, EngineEvent } from '../../workers/engine-api';
import { BenchError, REPO_ROOT, type BuildMode } from './cli';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, n) => Math.max(m, newestMtime(join(path, n))), st.mtimeMs);
}

const BUILD_INPUTS = ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];

/**
 * Builds the bundle into `outDir` with `vite build` when asked, or when it is missing or older than
 * any build input.
 */
export function ensureBuilt(mode: BuildMode, outDir: string, log: (s: string) => void): number {
  const stamp = join(outDir, 'index.html');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (mode === 'never') {
    if (!built)
      throw new BenchError(`${outDir} has no build: run without --no-build (or \`npm run build\`) first.`);
    return 0;
  }
  const stale = !built || BUILD_INPUTS.some((p) => newestMtime(join(REPO_ROOT, p)) > built);
  if (mode === 'auto' && !stale) return 0;
  log(mode === 'always' ? `Building ${outDir} ...` : `${outDir} is missing or stale: building ...`);
  const t0 = performance.now();
  // Type-checking is `npm run typecheck`'s job; the benchmark only needs the bundle.
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new BenchError(`vite build failed (exit ${r.status}).`);
  return performance.now() - t0;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Polls the page's event log; `onEvent` sees each engine event once, in order. */
export class EventPump {
  private cursor = 0;
  constructor(
    private readonly page: Page,
    private readonly onEvent: (e: EngineEvent) => void,
  ) {}
  async drain(): Promise<void> {
    const events = await this.page.evaluate((from) => window.__engineEvents!.slice(from), this.cursor);
    this.cursor += events.length;
    events.forEach(this.onEvent);
  }
}

/** Runs `work` while draining events every `everyMs`, then drains once more. */
export async function pumping<T>(pump: EventPump, everyMs: number, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
    // A crashed page cannot be drained; the work's own rejection says why.
    await pump.drain().catch(() => undefined);
  }
  return settled;
}

/** A preview server of one bundle and a headless Chromium, opening engine pages on demand. */
export interface Harness {
  browser: Browser;
  port: number;
  /** A new page of the app with the automation hook, once `window.__engine` exists. */
  openEnginePage(backend: BackendRequest): Promise<Page>;
  close(): Promise<void>;
}

export async function startHarness(outDir: string, log: (s: string) => void): Promise<Harness> {
  const port = await freePort();
  const server = await preview({
    root: REPO_ROOT,
    logLevel: 'error',
    build: { outDir },
    preview: { port, strictPort: true, host: '127.0.0.1', open: false },
  });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.BENCH_CHROMIUM ?? CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    browser,
    port,
    async openEnginePage(backend) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => log(`[page error] ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') log(`[page console] ${m.text()}`);
      });
      const appUrl = `http://127.0.0.1:${port}/?automation=1&backend=${backend}`;
      // One retry: a first navigation can fail while a concurrent build rewrites the bundle.
      await page.goto(appUrl).catch(() => page.goto(appUrl));
      await page.waitForFunction(() => window.__engine !== undefined && window.__engineEvents !== undefined);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
