import { CONFIG_SCHEMA } from '../../core/config';
import type { StepReport } from '../../../workers/engine-api';
import type { ChartRow, SeriesSpec } from './charts';
import { downsample, forLog } from './downsample';

/** Most points a chart draws, however long the run. */
export const MAX_POINTS = 250;

export const LOSS_SERIES: SeriesSpec[] = [
  { key: 'kd', label: 'L_KD', color: '#0b5fcc' },
  { key: 'ot', label: 'L_OT', color: '#d9480f' },
  { key: 'con', label: 'L_Con', color: '#2b8a3e' },
  { key: 'se', label: 'L_SE', color: '#862e9c' },
  { key: 'total', label: 'total', color: '#1b1f24', dashed: true },
];
export const GRAD_SERIES: SeriesSpec[] = LOSS_SERIES.filter((s) => s.key !== 'total');
export const LR_SERIES: SeriesSpec[] = [{ key: 'lr', label: 'learning rate', color: '#0b7285' }];

/**
 * Every loss term and gradient norm is ≥ 0 by construction, but a term that is about 0 (the
 * reference L_OT compares the batch with its own permutation) comes out as -1e-9 or so after
 * rounding, and a single such value pulled the whole axis below zero. Those are drawn at 0; a
 * clearly negative value is kept, so a real fault still shows.
 */
export const ROUNDING_BELOW_ZERO = 1e-6;
const atLeastZero = (v: number): number => (v < 0 && v > -ROUNDING_BELOW_ZERO ? 0 : v);
const plotted = (v: number, log: boolean): number | null => forLog(atLeastZero(v), log);

export function lossRows(history: readonly StepReport[], log: boolean): ChartRow[] {
  return downsample(history, MAX_POINTS).map((r) => ({
    step: r.step,
    kd: plotted(r.loss.kd, log),
    ot: plotted(r.loss.ot, log),
    con: plotted(r.loss.con, log),
    se: plotted(r.loss.se, log),
    total: plotted(r.loss.total, log),
  }));
}

/** Only the steps where the per-term gradient norms were measured. */
export function gradRows(history: readonly StepReport[], log: boolean): ChartRow[] {
  const measured = history.filter((r) => r.gradNorm !== null);
  return downsample(measured, MAX_POINTS).map((r) => {
    const g = r.gradNorm ?? { kd: 0, ot: 0, con: 0, se: 0 };
    return {
      step: r.step,
      kd: plotted(g.kd, log),
      ot: plotted(g.ot, log),
      con: plotted(g.con, log),
      se: plotted(g.se, log),
    };
  });
}

/** What the gradient chart says before its first point: with norms off, there never is one. */
export function gradChartEmptyText(gradNormEvery: number): string {
  return gradNormEvery === 0
    ? `Gradient norms are off (${CONFIG_SCHEMA.gradNormEvery.label} = 0).`
    : `No data yet: the norms are measured ${gradNormEvery === 1 ? 'every step' : `every ${gradNormEvery} steps, from step 1`}.`;
}

export function lrRows(history: readonly StepReport[]): ChartRow[] {
  return downsample(history, MAX_POINTS).map((r) => ({ step: r.step, lr: r.lr }));
}

/** One loss term of several runs on one step axis, one column per run (`run0`, `run1`, ...). */
export function overlayRows(
  histories: readonly (readonly StepReport[])[],
  term: keyof StepReport['loss'],
): ChartRow[] {
  const byStep = new Map<number, ChartRow>();
  histories.forEach((h, i) => {
    for (const r of downsample(h, MAX_POINTS)) {
      const row = byStep.get(r.step) ?? { step: r.step };
      row[`run${i}`] = r.loss[term];
      byStep.set(r.step, row);
    }
  });
  return [...byStep.values()].sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}
