// The speed benchmark in headless Chromium: one preview server of the built app, and every phase in
// a fresh page (a WASM out-of-memory abort kills the module, and with it only that phase).
import { resolve } from 'node:path';
import type { BackendRequest } from '../../workers/engine-api';
import { REPO_ROOT, type BuildMode } from '../bench/cli';
import { ensureBuilt, EventPump, pumping, startHarness } from '../bench/harness';
import type { BenchEngine, EngineEventSink, SpeedHost } from './host';

export interface BrowserHostOptions {
  backend: BackendRequest;
  build: BuildMode;
  /** The bundle folder, relative to the repository (default dist). */
  dist?: string;
}

export async function startBrowserHost(
  options: BrowserHostOptions,
  onEvent: EngineEventSink,
  log: (line: string) => void,
): Promise<SpeedHost> {
  const outDir = resolve(REPO_ROOT, options.dist ?? 'dist');
  ensureBuilt(options.build, outDir, log);
  const harness = await startHarness(outDir, log);
  return {
    runtime: `Chromium ${harness.browser.version()}`,
    async phase(body) {
      const page = await harness.openEnginePage(options.backend);
      try {
        const info = await page.evaluate((b) => window.__engine!.init({ backend: b }), options.backend);
        const engine: BenchEngine = {
          benchSpeed: (spec, opts) =>
            page.evaluate(({ s, o }) => window.__engine!.benchSpeed(s, o), { s: spec, o: opts }),
          benchPeak: (opts) => page.evaluate((o) => window.__engine!.benchPeak(o), opts),
          runKernelChecks: () => page.evaluate(() => window.__engine!.runKernelChecks()),
          timeKernels: (size, batch, reps) =>
            page.evaluate(([s, b, r]) => window.__engine!.timeKernels(s, b, r), [size, batch, reps] as const),
        };
        return await pumping(new EventPump(page, onEvent), 1000, body(engine, info));
      } finally {
        await page.close().catch(() => undefined);
      }
    },
    close: () => harness.close(),
  };
}
