// The speed run: one preview server and Chromium, then the peak measurement and every phase of every
// case in a fresh page (a WASM out-of-memory abort kills the module, and with it only that phase).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import type {
  BackendInfo,
  EngineEvent,
  PeakResult,
  SpeedCaseResult,
  SpeedCaseSpec,
} from '../../workers/engine-api';
import {
  ensureBuilt,
  EventPump,
  fmtDuration,
  gitInfo,
  pumping,
  REPO_ROOT,
  startHarness,
} from '../bench/harness';
import type { SpeedOptions } from './args';
import {
  NOTES,
  PYTORCH_REFERENCE,
  referenceRatio,
  SPEED_REPORT_FORMAT,
  summarise,
  type LoadSample,
  type PhaseError,
  type SpeedCase,
  type SpeedReport,
} from './report';

const loadSample = (): LoadSample => ({ at: new Date().toISOString(), loadavg: os.loadavg() });

/** Sorts a failure into the kinds the report names. */
export function classifyError(e: unknown): Pick<PhaseError, 'error' | 'detail'> {
  const detail = e instanceof Error ? e.message : String(e);
  if (
    /out of memory|\bOOM\b|Cannot enlarge memory|Array buffer allocation failed|memory access out of bounds|Aborted\(/i.test(
      detail,
    )
  )
    return { error: 'out of memory', detail };
  if (/timed out after/.test(detail)) return { error: 'timeout', detail };
  if (
    /Target crashed|Page crashed|Target page, context or browser has been closed|Execution context was destroyed/i.test(
      detail,
    )
  )
    return { error: 'page crashed', detail };
  return { error: 'failed', detail };
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export interface SpeedRunOptions {
  log?: (line: string) => void;
  /** Called with the report so far after every phase (a long run keeps what it measured). */
  onPartial?: (report: SpeedReport) => void;
}

export async function runSpeedBench(options: SpeedOptions, run: SpeedRunOptions = {}): Promise<SpeedReport> {
  const log = run.log ?? ((s: string) => console.log(s));
  const startedAt = new Date();
  const t0 = performance.now();
  const loadStart = loadSample();
  const git = gitInfo();
  const outDir = resolve(REPO_ROOT, options.dist ?? 'dist');
  ensureBuilt(options.build, outDir, log);
  const harness = await startHarness(outDir, log);
  const browserVersion = harness.browser.version();
  let backendInfo: BackendInfo | null = null;
  let peak: PeakResult | null = null;
  const cases: SpeedCase[] = [];
  const snapshot = (): SpeedReport => {
    const rows = cases.map((c) => summarise(c, peak));
    return {
      format: SPEED_REPORT_FORMAT,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      git,
      options,
      host: {
        platform: `${os.type()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        totalMemBytes: os.totalmem(),
        node: process.version,
        browser: `Chromium ${browserVersion}`,
        loadStart,
        loadEnd: loadSample(),
      },
      backend: backendInfo,
      peak,
      cases,
      rows,
      reference: PYTORCH_REFERENCE,
      referenceRatio: referenceRatio(rows, options),
      notes: NOTES,
    };
  };
  const partial = (): void => run.onPartial?.(snapshot());
  try {
    /** Opens a fresh engine page, initialises the backend, runs `body`, closes the page. */
    const inPage = async <T>(label: string, body: (page: Page) => Promise<T>): Promise<T> => {
      const page = await harness.openEnginePage(options.backend);
      let last = 0;
      const pump = new EventPump(page, (e: EngineEvent) => {
        const now = performance.now();
        if (e.type === 'log' && (e.level === 'warn' || e.level === 'error'))
          log(`  [worker ${e.level}] ${e.message}`);
        if (e.type === 'progress' && (now - last >= options.progressMs || e.done === e.total)) {
          last = now;
          log(`  ${label}: ${e.message ?? e.task} (${fmtDuration(now - t0)} elapsed)`);
        }
      });
      try {
        const info = await page.evaluate((b) => window.__engine!.init({ backend: b }), options.backend);
        if (info.backend !== options.backend)
          throw new Error(`asked for ${options.backend}, got ${info.backend}`);
        backendInfo ??= info;
        return await pumping(pump, 1000, withTimeout(body(page), options.phaseTimeoutS * 1000, label));
      } finally {
        await page.close().catch(() => undefined);
      }
    };

    if (options.peak) {
      log(`peak: ${options.matmulN}^2 matmul and a 3x3 conv on ${options.backend}`);
      try {
        peak = await inPage('peak', (page) =>
          page.evaluate(
            ({ n, r }) => window.__engine!.benchPeak({ taskId: 'speed-peak', matmulN: n, repeats: r }),
            { n: options.matmulN, r: Math.max(3, options.repeats) },
          ),
        );
        log(
          `peak: matmul ${peak.matmul.gflops.toFixed(1)} GFLOP/s, conv 3x3 ${peak.conv.gflops.toFixed(1)} GFLOP/s`,
        );
        partial();
      } catch (e) {
        log(`peak: ${classifyError(e).detail}`);
      }
    }

    for (const teacher of options.teachers) {
      for (const method of options.methods) {
        const c: SpeedCase = {
          teacher,
          method,
          imageSize: options.imageSize,
          infer: null,
          train: [],
          errors: [],
          load: { start: loadSample(), end: loadSample() },
        };
        cases.push(c);
        const base: SpeedCaseSpec = {
          teacher,
          method,
          imageSize: options.imageSize,
          inferBatches: [],
          trainBatch: 0,
          repeats: options.repeats,
          memoryItems: options.memoryItems,
          weights: options.weights,
          profile: options.profile,
          seed: 111,
        };
        const phase = async (
          name: PhaseError['phase'],
          spec: SpeedCaseSpec,
        ): Promise<SpeedCaseResult | null> => {
          const label = `${teacher}/${method} ${name}`;
          log(`${label}: starting`);
          const tp = performance.now();
          try {
            const r = await inPage(label, (page) =>
              page.evaluate(({ s, id }) => window.__engine!.benchSpeed(s, { taskId: id }), {
                s: spec,
                id: `speed-${teacher}-${method}-${name}`,
              }),
            );
            log(`${label}: done in ${fmtDuration(performance.now() - tp)}`);
            return r;
          } catch (e) {
            const err = { phase: name, ...classifyError(e) };
            c.errors.push(err);
            log(`${label}: ${err.error}: ${err.detail.split('\n')[0].slice(0, 200)}`);
            return null;
          } finally {
            c.load.end = loadSample();
          }
        };
        c.infer = await phase('infer', { ...base, inferBatches: options.inferBatches });
        partial();
        const batches = [...options.trainBatches];
        const ref = options.referenceTrainBatch;
        const hasReference = PYTORCH_REFERENCE.cases.some(
          (r) => r.teacher === teacher && `b${ref}` in r.trainMsPerStep,
        );
        if (ref && hasReference && !batches.includes(ref)) batches.push(ref);
        for (const b of batches) {
          const r = await phase(`train-b${b}`, { ...base, trainBatch: b });
          if (r) c.train.push(r);
          partial();
        }
        const row = summarise(c, peak);
        log(
          `${teacher}/${method}: inference ${Object.entries(row.inferMsPerImage)
            .map(([k, v]) => `${k} ${v?.toFixed(1) ?? '-'}`)
            .join(', ')} ms/img; training ${
            Object.entries(row.trainMsPerStep)
              .map(([k, v]) => `${k} ${v?.toFixed(0) ?? '-'}`)
              .join(', ') || '-'
          } ms/step`,
        );
      }
    }
  } finally {
    await harness.close();
  }
  log(`total ${fmtDuration(performance.now() - t0)}`);
  return snapshot();
}

/** Where a report started at `startedAt` goes: `out`, or bench-results/speed-<timestamp>.json. */
export function speedReportPath(startedAt: Date, out?: string): string {
  return out
    ? resolve(out)
    : join(REPO_ROOT, 'bench-results', `speed-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
}

/** Writes the report as JSON to `path`; returns the path. */
export function writeSpeedReport(report: SpeedReport, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 1));
  return path;
}
