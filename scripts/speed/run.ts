// The speed run: the peak measurement, then every phase of every case, each in a fresh phase of the
// host (a page of headless Chromium, or this Node process over Dawn: see host.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type {
  BackendInfo,
  EngineEvent,
  PeakResult,
  SpeedCaseResult,
  SpeedCaseSpec,
} from '../../workers/engine-api';
import { fmtDuration, gitInfo, REPO_ROOT } from '../bench/cli';
import type { SpeedOptions } from './args';
import type { BenchEngine, SpeedHost } from './host';
import {
  NOTES,
  PYTORCH_REFERENCE,
  referenceRatio,
  SPEED_REPORT_FORMAT,
  summarise,
  type LoadSample,
  type PhaseError,
  type KernelReport,
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
  let label = '';
  let last = 0;
  const onEvent = (e: EngineEvent): void => {
    const now = performance.now();
    if (e.type === 'log' && (e.level === 'warn' || e.level === 'error'))
      log(`  [worker ${e.level}] ${e.message}`);
    if (e.type === 'progress' && (now - last >= options.progressMs || e.done === e.total)) {
      last = now;
      log(`  ${label}: ${e.message ?? e.task} (${fmtDuration(now - t0)} elapsed)`);
    }
  };
  // Imported on demand: the Node bundle for GPU machines carries no Playwright.
  const host: SpeedHost = options.dawn
    ? await (await import('./dawn-host')).startDawnHost(options.dawn, onEvent)
    : await (await import('./browser-host')).startBrowserHost(options, onEvent, log);
  let backendInfo: BackendInfo | null = null;
  let peak: PeakResult | null = null;
  let kernels: KernelReport | null = null;
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
        browser: host.runtime,
        loadStart,
        loadEnd: loadSample(),
      },
      backend: backendInfo,
      peak,
      kernels,
      cases,
      rows,
      reference: PYTORCH_REFERENCE,
      referenceRatio: referenceRatio(rows, options),
      notes: NOTES,
    };
  };
  const partial = (): void => run.onPartial?.(snapshot());
  try {
    /** Runs `body` in a fresh phase of the host, on the requested backend, within the phase limit. */
    const inPhase = <T>(what: string, body: (engine: BenchEngine) => Promise<T>): Promise<T> => {
      label = what;
      const work = host.phase(async (engine, info) => {
        if (info.backend !== options.backend)
          throw new Error(`asked for ${options.backend}, got ${info.backend}`);
        backendInfo ??= info;
        return body(engine);
      });
      return withTimeout(work, options.phaseTimeoutS * 1000, what);
    };

    if (options.peak) {
      log(`peak: ${options.matmulN}^2 matmul and a 3x3 conv on ${options.backend}`);
      try {
        peak = await inPhase('peak', (engine) =>
          engine.benchPeak({
            taskId: 'speed-peak',
            matmulN: options.matmulN,
            repeats: Math.max(3, options.repeats),
          }),
        );
        log(
          `peak: matmul ${peak.matmul.gflops.toFixed(1)} GFLOP/s, conv 3x3 ${peak.conv.gflops.toFixed(1)} GFLOP/s`,
        );
        partial();
      } catch (e) {
        log(`peak: ${classifyError(e).detail}`);
      }
    }

    if (options.kernels) {
      const batch = Math.max(...options.inferBatches);
      log(`kernels: the custom kernels against the composite ops on ${options.backend}`);
      try {
        kernels = await inPhase('kernels', async (engine) => ({
          checks: await engine.runKernelChecks(),
          timings: await engine.timeKernels(options.imageSize, batch, Math.max(3, options.repeats)),
        }));
        log(`kernels: ${kernels.checks.filter((c) => c.pass).length}/${kernels.checks.length} checks pass`);
        partial();
      } catch (e) {
        log(`kernels: ${classifyError(e).detail}`);
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
          tfFlags: options.tfFlags,
          seed: 111,
        };
        const phase = async (
          name: PhaseError['phase'],
          spec: SpeedCaseSpec,
        ): Promise<SpeedCaseResult | null> => {
          const what = `${teacher}/${method} ${name}`;
          log(`${what}: starting`);
          const tp = performance.now();
          try {
            const r = await inPhase(what, (engine) =>
              engine.benchSpeed(spec, { taskId: `speed-${teacher}-${method}-${name}` }),
            );
            log(`${what}: done in ${fmtDuration(performance.now() - tp)}`);
            return r;
          } catch (e) {
            const err = { phase: name, ...classifyError(e) };
            c.errors.push(err);
            log(`${what}: ${err.error}: ${err.detail.split('\n')[0].slice(0, 200)}`);
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
    await host.close();
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
