// The benchmark run: build, serve the production bundle, drive the engine worker in headless
// Chromium through the automation hook (`?automation=1`), and collect one report.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { validateConfig, type TrainConfig } from '../../src/core/config';
import { statsMs } from '../../src/core/perf/run-time';
import type { EngineEvent, EngineMemory } from '../../workers/engine-api';
import { listRelative, serveFolder } from '../../e2e/helpers/serve-folder';
import { BENCH_DEFAULTS, type RunnerOptions } from './args';
import { selectDatasetFiles } from './dataset-files';
import { BenchError, fmtDuration, gitInfo, REPO_ROOT } from './cli';
import { writeExports } from './exports';
import { ensureBuilt, EventPump, pumping, startHarness } from './harness';
import {
  meanStepInterval,
  PROBE_STEPS,
  probeStepTimes,
  stepsForBudget,
  trainsInSteps,
  type BudgetPlan,
} from './budget';
import { paperRowFor } from './paper';
import { REPORT_FORMAT, type BenchReport, type MemorySample } from './report';

export { BenchError } from './cli';

export interface BenchmarkOptions extends Partial<RunnerOptions> {
  data: string;
  /** Model / training options; unset keys take BENCH_DEFAULTS, then the schema defaults. */
  config?: Partial<TrainConfig>;
  /** Progress lines go here (default: stdout). */
  log?: (line: string) => void;
}

/**
 * One benchmark: dataset folder -> trained model -> evaluation report. Throws BenchError for a
 * folder that is not a usable dataset (no train/good images, or errors in the DatasetSummary).
 */
export async function runBenchmark(opts: BenchmarkOptions): Promise<BenchReport> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const startedAt = new Date();
  const t0 = performance.now();
  const loadAvgStart = os.loadavg()[0];
  // Taken before the run: the tree may be committed or edited while a long run trains.
  const git = gitInfo();
  let config = validateConfig({ ...BENCH_DEFAULTS, ...opts.config });
  const backend = opts.backend ?? 'wasm';
  const dataDir = resolve(opts.data);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory())
    throw new BenchError(`${opts.data} is not a folder.`);
  const files = selectDatasetFiles(dataDir, { maxTrain: opts.maxTrain, maxTestPerType: opts.maxTestPerType });
  const textureDir = opts.textures ? resolve(opts.textures) : null;
  if (textureDir && !existsSync(textureDir)) throw new BenchError(`${opts.textures} does not exist.`);
  const teacherFile = opts.teacherWeights ? resolve(opts.teacherWeights) : null;
  if (teacherFile && !existsSync(teacherFile)) throw new BenchError(`${opts.teacherWeights} does not exist.`);
  const storedSize = opts.storedSize ?? config.imageSize;
  const progressMs = opts.progressMs ?? 2000;

  const outDir = resolve(REPO_ROOT, opts.dist ?? 'dist');
  const buildMs = ensureBuilt(opts.build ?? 'auto', outDir, log);
  const harness = await startHarness(outDir, log);
  try {
    const page = await harness.openEnginePage(backend);
    let lastProgress = 0;
    let trainStart = 0;
    let firstStep = 0;
    const onEvent = (e: EngineEvent): void => {
      const now = performance.now();
      if (e.type === 'log' && (e.level === 'warn' || e.level === 'error'))
        log(`[worker ${e.level}] ${e.message}`);
      if (e.type === 'progress' && (now - lastProgress >= progressMs || e.done === e.total)) {
        lastProgress = now;
        const eta = e.etaMs === undefined ? '' : `  ETA ${fmtDuration(e.etaMs)}`;
        log(`  ${e.message ?? e.task}: ${e.done}/${e.total}${eta}`);
      }
      if (e.type === 'step' && !trainStart) {
        log(`probe step ${e.report.step}/${e.totalSteps}  ${e.report.ms.toFixed(0)} ms`);
        return;
      }
      if (e.type === 'step') {
        const r = e.report;
        if (!firstStep) firstStep = r.step;
        const isLast = r.step >= e.totalSteps;
        if (now - lastProgress < progressMs && !isLast && r.step !== 1) return;
        lastProgress = now;
        const elapsed = now - trainStart;
        const rate = ((r.step - firstStep + 1) / elapsed) * 1000;
        const eta = ((e.totalSteps - r.step) / rate) * 1000;
        const terms = Object.entries(r.loss)
          .filter(([k]) => k !== 'total')
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(' ');
        log(
          `step ${String(r.step).padStart(5)}/${e.totalSteps}  loss ${r.loss.total.toFixed(4)} (${terms})  ` +
            `${r.ms.toFixed(0)} ms  ${rate.toFixed(2)} steps/s  elapsed ${fmtDuration(elapsed)}  ETA ${fmtDuration(eta)}`,
        );
      }
    };
    const pump = new EventPump(page, onEvent);

    const backendInfo = await page.evaluate((b) => window.__engine!.init({ backend: b }), backend);
    log(
      `backend ${backendInfo.backend}` +
        (backendInfo.wasmThreads !== null ? `, ${backendInfo.wasmThreads} WASM thread(s)` : '') +
        (backendInfo.backend === 'webgpu' && backendInfo.adapter
          ? `, adapter ${backendInfo.adapter.vendor} ${backendInfo.adapter.description}`
          : '') +
        `, cross-origin isolated: ${backendInfo.crossOriginIsolated}`,
    );
    if (backend !== 'auto' && backendInfo.backend !== backend)
      log(`warning: asked for ${backend}, running on ${backendInfo.backend}`);

    // Memory is polled on its own loop: a memory() call waits while the worker is inside a step.
    const samples: MemorySample[] = [];
    let polling = true;
    const memoryLoop = (async () => {
      while (polling) {
        const m: EngineMemory | null = await page.evaluate(() => window.__engine!.memory()).catch(() => null);
        if (m)
          samples.push({
            t: trainStart ? performance.now() - trainStart : -(performance.now() - t0),
            numBytes: m.numBytes,
            numBytesInGPU: m.numBytesInGPU,
            numTensors: m.numTensors,
          });
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();

    try {
      const tStart = performance.now() - t0;
      const name = basename(dataDir);
      log(`loading ${files.length} files from ${dataDir}`);
      const tLoad = performance.now();
      const paths = await serveFolder(page, dataDir, name, files);
      const summary = await pumping(
        pump,
        500,
        page.evaluate(
          async ({ paths, size }) => {
            const blobs = await Promise.all(
              paths.map(async (p) => ({ path: p, file: await (await fetch(`/__data__/${p}`)).blob() })),
            );
            return window.__engine!.loadDataset(blobs, { taskId: 'bench-load', size });
          },
          { paths, size: storedSize },
        ),
      ).catch((e: unknown) => {
        // The worker refuses a folder that is not a dataset, saying what one looks like.
        const message = e instanceof Error ? e.message : String(e);
        const refused = /is not a dataset folder: ([^\n]*)/.exec(message);
        if (refused) throw new BenchError(`${opts.data} is not a usable dataset: ${refused[1]}`);
        throw e;
      });
      const errors = summary.problems.filter((p) => p.severity === 'error');
      if (summary.counts.train === 0 || summary.counts.testTotal === 0 || errors.length) {
        const why = (errors.length ? errors : summary.problems).map(
          (p) => `  - ${p.message} ${p.consequence}`,
        );
        throw new BenchError(
          `${opts.data} is not a usable dataset (train ${summary.counts.train}, test ${summary.counts.testTotal}):\n` +
            (why.length ? why.join('\n') : '  - expected train/good/*.png and test/<type>/*.png'),
        );
      }
      for (const p of summary.problems) log(`dataset ${p.severity}: ${p.path ?? ''} ${p.message}`);
      let textures = 0;
      if (textureDir) {
        const tname = `textures-${basename(textureDir)}`;
        const tpaths = await serveFolder(page, textureDir, tname, listRelative(textureDir));
        const r = await page.evaluate(async (paths) => {
          const blobs = await Promise.all(
            paths.map(async (p) => ({ path: p, file: await (await fetch(`/__data__/${p}`)).blob() })),
          );
          return window.__engine!.loadTextures(blobs, { taskId: 'bench-textures' });
        }, tpaths);
        if (r.count === 0) throw new BenchError(`${opts.textures}: no readable texture image.`);
        textures = r.count;
      }
      const loadMs = performance.now() - tLoad;
      log(
        `dataset ${summary.category}: ${summary.counts.train} train, ${summary.counts.testTotal} test` +
          `${textures ? `, ${textures} textures` : ', procedural textures'} (${fmtDuration(loadMs)})`,
      );

      if (teacherFile) {
        await serveFolder(page, dirname(teacherFile), 'teacher-weights', [basename(teacherFile)]);
        const loaded = await pumping(
          pump,
          500,
          page.evaluate(async (name) => {
            const file = await (await fetch(`/__data__/teacher-weights/${name}`)).blob();
            return window.__engine!.loadTeacherWeights({ path: name, file }, { taskId: 'bench-teacher' });
          }, basename(teacherFile)),
        );
        if (loaded.teacher !== config.teacher)
          throw new BenchError(
            `${opts.teacherWeights} holds ${loaded.teacher} weights, but the teacher is ${config.teacher} (--teacher).`,
          );
        log(`teacher ${loaded.teacher} from ${teacherFile}`);
      }

      let budget: BudgetPlan | null = null;
      if (opts.minutes !== undefined && trainsInSteps(config.model)) {
        log(`timing ${PROBE_STEPS} steps for a ${opts.minutes} min budget`);
        const tProbe = performance.now();
        const arrivals = await pumping(pump, 500, probeStepTimes(page, config));
        const probeMsPerStep = meanStepInterval(arrivals);
        // The final BatchNorm statistics come out of the same budget.
        const trainMs = opts.minutes * 60_000 - statsMs(probeMsPerStep, config.statsBatches);
        config = { ...config, steps: stepsForBudget(trainMs, probeMsPerStep) };
        budget = {
          minutes: opts.minutes,
          probeTimedSteps: arrivals.length - 1,
          probeMsPerStep,
          probeMs: performance.now() - tProbe,
          steps: config.steps,
        };
        log(
          `${(probeMsPerStep / 1000).toFixed(2)} s per step: ${config.steps} steps fit ${opts.minutes} min`,
        );
      }

      const tCreate = performance.now();
      const session = await pumping(
        pump,
        500,
        page.evaluate((c) => window.__engine!.createSession(c, { taskId: 'bench-create' }), config),
      );
      const createSessionMs = performance.now() - tCreate;
      log(`session: ${session.parameters} parameters, created in ${fmtDuration(createSessionMs)}`);
      for (const n of session.notes) log(`note: ${n}`);

      const eventsBefore = await page.evaluate(() => window.__engineEvents!.length);
      trainStart = performance.now();
      const trained = await pumping(
        pump,
        250,
        page.evaluate(() => window.__engine!.train({ taskId: 'bench-train', checkpointEvery: 0 })),
      );
      const trainMs = performance.now() - trainStart;
      const history = (await page.evaluate((from) => window.__engineEvents!.slice(from), eventsBefore))
        .filter((e) => e.type === 'step')
        .map((e) => e.report);

      log('evaluating ...');
      const tEval = performance.now();
      const evaluation = await pumping(
        pump,
        1000,
        page.evaluate(() => window.__engine!.evaluate({ taskId: 'bench-eval' })),
      );
      const evaluateMs = performance.now() - tEval;
      const exports = opts.export
        ? await writeExports(page, pump, resolve(opts.export), evaluation, backendInfo, log)
        : [];
      polling = false;
      await memoryLoop;

      const stepMs = history.map((h) => h.ms);
      const mean = (a: number[]): number => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
      const peak = (f: (s: MemorySample) => number | null): number | null => {
        const v = samples.map(f).filter((x): x is number => x !== null);
        return v.length ? Math.max(...v) : null;
      };
      return {
        format: REPORT_FORMAT,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        git,
        runner: {
          data: dataDir,
          textures: textureDir,
          backendRequested: backend,
          maxTrain: opts.maxTrain ?? null,
          maxTestPerType: opts.maxTestPerType ?? null,
          storedSize,
          dist: outDir,
          distBuiltAt: new Date(statSync(join(outDir, 'index.html')).mtimeMs).toISOString(),
          teacherWeights: teacherFile,
        },
        host: {
          platform: `${os.type()} ${os.release()} ${os.arch()}`,
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          totalMemBytes: os.totalmem(),
          loadAvgStart,
          loadAvgEnd: os.loadavg()[0],
          node: process.version,
          browser: `Chromium ${harness.browser.version()}`,
        },
        config,
        backend: backendInfo,
        dataset: {
          category: summary.category,
          counts: summary.counts,
          problems: summary.problems,
          textures,
        },
        session,
        timings: {
          buildMs,
          startMs: tStart,
          loadMs,
          createSessionMs,
          trainMs,
          steps: trained.step,
          msPerStep: mean(stepMs),
          msPerStepWarm: mean(stepMs.length > 1 ? stepMs.slice(1) : stepMs),
          stepsPerSecond: trainMs > 0 ? (history.length / trainMs) * 1000 : 0,
          evaluateMs,
          msPerImage: evaluation.msPerImage,
          totalMs: performance.now() - t0,
        },
        memory: {
          peakBytes: peak((s) => s.numBytes) ?? 0,
          peakBytesInGPU: peak((s) => s.numBytesInGPU),
          peakTensors: peak((s) => s.numTensors) ?? 0,
          samples,
        },
        metrics: evaluation.metrics,
        perType: evaluation.perType,
        curves: { roc: evaluation.roc, rocPixel: evaluation.rocPixel, pro: evaluation.pro },
        images: summary.test.map((t, i) => ({
          path: t.path,
          defectType: t.defectType,
          label: evaluation.labels[i],
          score: evaluation.scores[i],
          selected: evaluation.selected[i],
        })),
        history,
        budget,
        paper: paperRowFor(
          summary.category,
          summary.test.filter((t) => t.label === 1).map((t) => t.defectType),
        ),
        exports,
      };
    } finally {
      polling = false;
      await memoryLoop;
    }
  } finally {
    await harness.close();
  }
}

/** Writes the report as JSON to `out`, or to bench-results/<timestamp>.json; returns the path. */
export function writeReport(report: BenchReport, out?: string): string {
  const path = out
    ? resolve(out)
    : join(REPO_ROOT, 'bench-results', `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 1));
  return path;
}
