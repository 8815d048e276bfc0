// What a sweep keeps of each run, and the one markdown table it writes (ready for docs/results.md).
import type { TrainConfig } from '../../src/core/config';
import { PROBE_STEPS, type BudgetPlan } from './budget';
import type { PaperRow } from './paper';
import type { BenchReport } from './report';

export const SWEEP_FORMAT = 'dmgrd-sweep/1';

/** One configuration at one budget. */
export interface SweepRowResult {
  name: string;
  /** The row's own flags as written. */
  flags: string;
  /** Training budget in minutes; null: the configuration's own step count. */
  minutes: number | null;
  /** Null when the run failed. */
  config: TrainConfig | null;
  /** The run's full report (JSON), or null when it failed. */
  report: string | null;
  /** Why the run failed, or null. */
  error: string | null;
  imageAuroc: number | null;
  pixelAuroc: number | null;
  proMvtec03: number | null;
  proFullRange: number | null;
  /** Image AUROC of each defect type against the good images. */
  perTypeImageAuroc: Record<string, number>;
  /** Optimiser steps; null for a model that is fitted, not trained. */
  steps: number | null;
  /** Wall time of train() (of the fit, for a fitted model) divided by its steps. */
  msPerStep: number | null;
  /** Wall time of train() (the fit). */
  trainMs: number | null;
  msPerImage: number | null;
  budget: BudgetPlan | null;
  loadAvgStart: number;
  loadAvgEnd: number | null;
}

export interface SweepResult {
  format: typeof SWEEP_FORMAT;
  startedAt: string;
  finishedAt: string;
  /** The command line, for the table's notes. */
  command: string;
  git: BenchReport['git'];
  host: { cpuModel: string; cpus: number; totalMemBytes: number; loadAvgStart: number; loadAvgEnd: number };
  /** Backend of the first run that started, e.g. `wasm (2 threads)`; null when none did. */
  backend: string | null;
  browser: string | null;
  data: string;
  category: string | null;
  /** Test images per defect type, and good ones (from the first run that loaded the data). */
  testCounts: Record<string, number>;
  /** Options every row shares (given outside --sweep). */
  common: Partial<TrainConfig>;
  rows: SweepRowResult[];
  paper: PaperRow | null;
}

/** The parts of a run's report a sweep row keeps. */
export function rowFromReport(
  base: Pick<SweepRowResult, 'name' | 'flags' | 'minutes'>,
  r: BenchReport,
  reportPath: string,
  fitted: boolean,
): SweepRowResult {
  const t = r.timings;
  return {
    ...base,
    config: r.config,
    report: reportPath,
    error: null,
    imageAuroc: r.metrics.imageAuroc,
    pixelAuroc: r.metrics.pixelAuroc,
    proMvtec03: r.metrics.proMvtec03,
    proFullRange: r.metrics.proFullRange,
    perTypeImageAuroc: Object.fromEntries(Object.entries(r.perType).map(([k, v]) => [k, v.imageAuroc])),
    steps: fitted ? null : t.steps,
    msPerStep: fitted || t.steps === 0 ? null : t.trainMs / t.steps,
    trainMs: t.trainMs,
    msPerImage: t.msPerImage,
    budget: r.budget,
    loadAvgStart: r.host.loadAvgStart,
    loadAvgEnd: r.host.loadAvgEnd,
  };
}

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '–' : (v * 100).toFixed(2);
const num = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
const escape = (s: string): string => s.replace(/\|/g, '\\|');

/** Defect types in the order of the first row that has them. */
function defectTypes(rows: readonly SweepRowResult[]): string[] {
  const out: string[] = [];
  for (const r of rows) for (const t of Object.keys(r.perTypeImageAuroc)) if (!out.includes(t)) out.push(t);
  return out;
}

/** Each markdown table row's cells (split on unescaped pipes, trimmed); separator rows left out. */
export function markdownTableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s:|-]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

/**
 * The sweep as markdown: a header (date, commit, machine, load, backend, data, command), one table
 * row per configuration and budget, the paper's row where the paper has the category, and notes.
 */
export function formatSweepMarkdown(s: SweepResult): string {
  const types = defectTypes(s.rows);
  const head = [
    'row',
    'budget',
    'I-AUROC',
    'P-AUROC',
    'PRO@0.3',
    'PRO (0–1)',
    ...types.map((t) => `I-AUROC ${t}`),
    's / step',
    'ms / image',
    'steps',
    'train',
  ];
  const align = head.map((_, i) => (i < 2 ? '---' : '---:'));
  const rows = s.rows.map((r) => {
    if (r.error !== null)
      return [escape(r.name), budgetText(r), `failed: ${escape(r.error)}`, ...head.slice(3).map(() => '')];
    return [
      escape(r.name),
      budgetText(r),
      pct(r.imageAuroc),
      pct(r.pixelAuroc),
      pct(r.proMvtec03),
      pct(r.proFullRange),
      ...types.map((t) => pct(r.perTypeImageAuroc[t])),
      r.msPerStep === null ? '–' : (r.msPerStep / 1000).toFixed(2),
      num(r.msPerImage, 0),
      r.steps === null ? 'fit' : String(r.steps),
      r.trainMs === null ? '–' : `${(r.trainMs / 60_000).toFixed(1)} min`,
    ];
  });
  if (s.paper)
    rows.push([
      'paper (DM-GRD, WideResNet50)',
      '–',
      pct(s.paper.imageAuroc),
      pct(s.paper.pixelAuroc),
      '–',
      pct(s.paper.proFullRange),
      ...types.map(() => '–'),
      '–',
      '–',
      '5000',
      '–',
    ]);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const counts = Object.entries(s.testCounts)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const load = (a: number, b: number | null): string =>
    `${a.toFixed(1)} → ${b === null ? '?' : b.toFixed(1)}`;
  const commit = s.git.commit
    ? `${s.git.commit.slice(0, 10)}${s.git.dirty ? ' (with uncommitted changes)' : ''}`
    : 'unknown';
  return [
    `**${s.category ?? s.data}** (\`${s.data}\`; test: ${counts || 'not loaded'}).`,
    `${when(s.startedAt)} to ${when(s.finishedAt)} UTC, commit ${commit}, ${s.host.cpuModel} ` +
      `(${s.host.cpus} cores, ${(s.host.totalMemBytes / 2 ** 30).toFixed(0)} GiB), ${s.backend ?? 'no backend'}` +
      `${s.browser ? `, ${s.browser}` : ''}. 1-minute load average ${load(s.host.loadAvgStart, s.host.loadAvgEnd)} ` +
      `over the sweep (per row: ${s.rows.map((r) => load(r.loadAvgStart, r.loadAvgEnd)).join('; ')}).`,
    '',
    line(head),
    line(align),
    ...rows.map(line),
    '',
    `Command: \`${s.command}\`. Rows: ${s.rows
      .filter((r, i, all) => all.findIndex((x) => x.name === r.name) === i)
      .map((r) => `${r.name}: \`${r.flags || '(common flags only)'}\``)
      .join('; ')}.`,
    'I-AUROC per type: each defect type against the good test images. s / step: wall time of training ' +
      'divided by its steps (sample synthesis included); a budget sets the steps from the time per step of ' +
      `a probe (${PROBE_STEPS - 1} timed steps), so the learning-rate schedule ends at the budget; "fit": a ` +
      'model without training, its fit time under train. ms / image: evaluation time per test image. PRO@0.3: ' +
      'integrated to FPR 0.3 and divided by 0.3; PRO (0–1): over FPR 0 to 1, what the paper reports.',
  ].join('\n');
}

const when = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

function budgetText(r: SweepRowResult): string {
  if (r.minutes === null) return r.steps === null && r.error === null ? 'none (fitted once)' : '–';
  return r.steps === null && r.error === null ? `${r.minutes} min (none needed)` : `${r.minutes} min`;
}
