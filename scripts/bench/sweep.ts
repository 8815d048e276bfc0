// A sweep: several configurations, each at one or more training budgets, run one after another on
// one dataset into one table (markdown and JSON), each run also keeping its full report.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { validateConfig, type TrainConfig } from '../../src/core/config';
import type { BackendInfo } from '../../workers/engine-api';
import { BENCH_DEFAULTS, type RunnerOptions } from './args';
import { trainsInSteps } from './budget';
import { BenchError, gitInfo, REPO_ROOT } from './cli';
import { ensureBuilt } from './harness';
import { runBenchmark, writeReport } from './run';
import { pendingRuns, planRuns, resumeProblem, type SweepIdentity } from './sweep-plan';
import type { SweepRow } from './sweep-spec';
import {
  formatSweepMarkdown,
  rowFromReport,
  SWEEP_FORMAT,
  type SweepResult,
  type SweepRowResult,
} from './sweep-table';

export interface SweepOptions {
  /** Data, backend, bundle, subset; `out` is the stem of the files written (default bench-results/sweep-<time>). */
  runner: RunnerOptions;
  /** Options of every row (the flags given outside --sweep); a row's own flags win. */
  common: Partial<TrainConfig>;
  rows: SweepRow[];
  /** Training budgets in minutes, each run for every row; null: each row's own step count. */
  minutes: number[] | null;
  /** The command line, for the notes under the table. */
  command: string;
  log?: (line: string) => void;
}

export interface SweepOutput {
  result: SweepResult;
  markdownPath: string;
  jsonPath: string;
}

const describeBackend = (b: BackendInfo): string =>
  b.backend +
  (b.wasmThreads !== null ? ` (${b.wasmThreads} threads)` : '') +
  // A WASM run may still have probed an adapter; only a WebGPU run ran on it.
  (b.backend === 'webgpu' && b.adapter ? ` (${b.adapter.vendor} ${b.adapter.description})` : '');

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Runs every row at every budget (planRuns: budgets in the outer loop, so the short ones report
 * first). A run that fails becomes a row that says why; the others go on. The table and JSON are
 * rewritten after each run, so an interrupted sweep keeps what it measured, and `runner.resume` goes on
 * from there.
 */
export async function runSweep(o: SweepOptions): Promise<SweepOutput> {
  const log = o.log ?? ((s: string) => console.log(s));
  const startedAt = new Date();
  const git = gitInfo();
  const stem = o.runner.out
    ? resolve(o.runner.out).replace(/\.(md|json)$/, '')
    : join(REPO_ROOT, 'bench-results', `sweep-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dirname(stem), { recursive: true });
  const markdownPath = `${stem}.md`;
  const jsonPath = `${stem}.json`;
  const previous = o.runner.resume
    ? readPrevious(jsonPath, { data: o.runner.data, common: o.common, rows: o.rows, git })
    : null;
  // One bundle for the whole sweep: a rebuild between two runs would compare different code.
  const dist = resolve(REPO_ROOT, o.runner.dist ?? 'dist');
  ensureBuilt(o.runner.build, dist, log);

  const result: SweepResult = previous
    ? // The newest command names every budget the table will have.
      { ...previous, command: o.command, rows: previous.rows.filter((r) => r.error === null) }
    : {
        format: SWEEP_FORMAT,
        startedAt: startedAt.toISOString(),
        finishedAt: startedAt.toISOString(),
        command: o.command,
        git,
        host: {
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          cpus: os.cpus().length,
          totalMemBytes: os.totalmem(),
          loadAvgStart: os.loadavg()[0],
          loadAvgEnd: os.loadavg()[0],
        },
        backend: null,
        browser: null,
        data: o.runner.data,
        category: null,
        testCounts: {},
        common: o.common,
        rows: [],
        paper: null,
      };
  const order = new Map(o.rows.map((r, i) => [r.name, i]));
  const save = (): void => {
    result.finishedAt = new Date().toISOString();
    result.host.loadAvgEnd = os.loadavg()[0];
    result.rows.sort(
      (a, b) => order.get(a.name)! - order.get(b.name)! || (a.minutes ?? 0) - (b.minutes ?? 0),
    );
    writeFileSync(jsonPath, JSON.stringify(result, null, 1));
    writeFileSync(markdownPath, formatSweepMarkdown(result) + '\n');
  };

  const plan = planRuns(o.rows, o.minutes, o.common);
  const pending = pendingRuns(plan, previous);
  if (previous) log(`going on from ${jsonPath}: ${plan.length - pending.length} of ${plan.length} runs done`);
  for (const { n, row, minutes } of pending) {
    const label = `${row.name}${minutes === null ? '' : `, ${minutes} min`}`;
    log(`\n=== sweep run ${n} of ${plan.length}: ${label} ===`);
    const config = { ...o.common, ...row.config };
    const base = { name: row.name, flags: row.flags, minutes };
    const loadAvgStart = os.loadavg()[0];
    let entry: SweepRowResult;
    try {
      const report = await runBenchmark({
        ...o.runner,
        build: 'never',
        dist,
        minutes: minutes ?? undefined,
        config,
        log,
      });
      const path = writeReport(report, `${stem}-${n}-${slug(label)}.json`);
      entry = rowFromReport(base, report, path, !trainsInSteps(report.config.model));
      result.backend ??= describeBackend(report.backend);
      result.browser ??= report.host.browser;
      result.category ??= report.dataset.category;
      if (!Object.keys(result.testCounts).length) result.testCounts = report.dataset.counts.test;
      result.paper ??= report.paper;
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      log(`sweep run ${n} (${label}) failed: ${message}`);
      entry = failedRow(base, message, loadAvgStart);
    }
    result.rows.push(entry);
    save();
  }
  save();
  return { result, markdownPath, jsonPath };
}

/** The sweep file to go on from, checked against this sweep; a BenchError says why it cannot. */
function readPrevious(jsonPath: string, now: SweepIdentity): SweepResult {
  if (!existsSync(jsonPath)) throw new BenchError(`--resume: ${jsonPath} does not exist.`);
  let previous: SweepResult;
  try {
    previous = JSON.parse(readFileSync(jsonPath, 'utf8')) as SweepResult;
  } catch (e) {
    throw new BenchError(`--resume: ${jsonPath} is not JSON (${(e as Error).message}).`);
  }
  const problem = resumeProblem(previous, now);
  if (problem) throw new BenchError(`--resume: cannot go on from ${jsonPath}: ${problem}`);
  return previous;
}

function failedRow(
  base: Pick<SweepRowResult, 'name' | 'flags' | 'minutes'>,
  error: string,
  loadAvgStart: number,
): SweepRowResult {
  return {
    ...base,
    config: null,
    report: null,
    error,
    imageAuroc: null,
    pixelAuroc: null,
    proMvtec03: null,
    proFullRange: null,
    perTypeImageAuroc: {},
    steps: null,
    msPerStep: null,
    trainMs: null,
    msPerImage: null,
    budget: null,
    loadAvgStart,
    loadAvgEnd: os.loadavg()[0],
  };
}

/**
 * Checks every row before anything runs: its options with the common ones must be valid, and a
 * budget sets the steps, so no row may set them too. Returns the message of the first problem.
 */
export function sweepProblem(o: Pick<SweepOptions, 'common' | 'rows' | 'minutes'>): string | null {
  for (const row of o.rows) {
    if (o.minutes && row.config.steps !== undefined)
      return `sweep row "${row.name}" sets --steps, but --minutes sets the steps of every row.`;
    try {
      validateConfig({ ...BENCH_DEFAULTS, ...o.common, ...row.config });
    } catch (e) {
      return `sweep row "${row.name}": ${(e as Error).message}`;
    }
  }
  return null;
}
