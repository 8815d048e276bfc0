// Which runs a sweep makes, and which of them a sweep file already holds: a long sweep can stop (a
// closed laptop, a machine needed for something else) and go on later from its JSON, on the same code.
import { validateConfig, type TrainConfig } from '../../src/core/config';
import { BENCH_DEFAULTS } from './args';
import { trainsInSteps } from './budget';
import type { GitInfo } from './cli';
import type { SweepRow } from './sweep-spec';
import { SWEEP_FORMAT, type SweepResult } from './sweep-table';

export interface PlannedRun {
  /** 1-based position in the sweep, part of the run's report name, the same on every resume. */
  n: number;
  row: SweepRow;
  /** Training budget; null for a row's own step count, or for a model fitted without training. */
  minutes: number | null;
}

/**
 * Every row at every budget, budgets in the outer loop so the short ones report first. A model
 * without training steps (the memory baseline) is fitted once, at the first budget's turn: a budget
 * would not change it.
 */
export function planRuns(
  rows: readonly SweepRow[],
  minutes: readonly number[] | null,
  common: Partial<TrainConfig>,
): PlannedRun[] {
  const trains = new Map(
    rows.map((r) => [r, trainsInSteps(validateConfig({ ...BENCH_DEFAULTS, ...common, ...r.config }).model)]),
  );
  const plan: PlannedRun[] = [];
  (minutes ?? [null]).forEach((m, i) => {
    for (const row of rows) {
      if (!trains.get(row) && i > 0) continue;
      plan.push({ n: plan.length + 1, row, minutes: trains.get(row) ? m : null });
    }
  });
  return plan;
}

/** The key of one configuration at one budget. */
export const runKey = (name: string, minutes: number | null): string => `${name} @ ${minutes ?? '-'}`;

/** What must match for a sweep file to go on: the data, the rows, the common options and the code. */
export interface SweepIdentity {
  data: string;
  common: Partial<TrainConfig>;
  rows: readonly SweepRow[];
  git: GitInfo;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Why `previous` cannot go on as this sweep, or null when it can. Its runs must all be rows of this
 * sweep with the same flags, and the checkout the same commit without uncommitted changes, so every
 * row of the finished table measures the same code.
 */
export function resumeProblem(previous: SweepResult, now: SweepIdentity): string | null {
  if (previous.format !== SWEEP_FORMAT) return `it is not a sweep file of this format (${SWEEP_FORMAT}).`;
  if (previous.data !== now.data) return `it measured ${previous.data}, not ${now.data}.`;
  if (!sameJson(previous.common, now.common))
    return `its common flags differ (${JSON.stringify(previous.common)} there).`;
  for (const r of previous.rows) {
    const row = now.rows.find((x) => x.name === r.name);
    if (!row) return `its row "${r.name}" is not in this sweep.`;
    if (row.flags !== r.flags) return `its row "${r.name}" has other flags (${r.flags}).`;
  }
  if (!previous.git.commit || previous.git.dirty)
    return 'it was measured on uncommitted code, which no checkout can reproduce.';
  if (now.git.commit !== previous.git.commit || now.git.dirty)
    return `it was measured on commit ${previous.git.commit.slice(0, 10)}; check that commit out, with no changes, to go on.`;
  return null;
}

/** The runs of `plan` that `previous` has not finished; a failed run is run again. */
export function pendingRuns(plan: readonly PlannedRun[], previous: SweepResult | null): PlannedRun[] {
  const done = new Set(
    (previous?.rows ?? []).filter((r) => r.error === null).map((r) => runKey(r.name, r.minutes)),
  );
  return plan.filter((p) => !done.has(runKey(p.row.name, p.minutes)));
}
