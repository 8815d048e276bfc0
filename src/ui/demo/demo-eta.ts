/** Where the one-click run's training stands, as the progress line reads it. */
export interface DemoClock {
  /** Steps finished. */
  step: number;
  total: number;
  /** Measured ms per step (null before the first step has finished). */
  msPerStep: number | null;
  /** ms since the last step finished (since training started, before the first). */
  sinceLastStepMs: number;
  /** ms until the time budget stops training (null: no budget). */
  budgetLeftMs: number | null;
  /** Steps done when the budget ran out (null: not yet); training stops when the step in flight finishes. */
  budgetHitAtStep: number | null;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * The progress line during training. The time left comes from the measured step time only: before
 * the first step finishes there is no estimate, only the budget; once the budget cannot hold the
 * remaining steps, the line says where the budget ends.
 */
export function trainingLine(c: DemoClock): string {
  const done = `${c.step} of ${c.total} steps done`;
  if (c.budgetHitAtStep !== null)
    return c.step > c.budgetHitAtStep
      ? `${done} · time budget reached: saving the model to score it`
      : `${done} · time budget reached: stopping when step ${c.step + 1} finishes`;
  const budget = c.budgetLeftMs === null ? '' : ` · budget ${seconds(c.budgetLeftMs)} s left`;
  if (c.msPerStep === null) return `${done} · timing the first step${budget}`;
  const stepsLeftMs = Math.max(0, (c.total - c.step) * c.msPerStep - c.sinceLastStepMs);
  if (c.budgetLeftMs === null || stepsLeftMs <= c.budgetLeftMs)
    return `${done} · ~${seconds(stepsLeftMs)} s left (${(c.msPerStep / 1000).toFixed(1)} s a step)`;
  // Steps that still end before the deadline: the one in flight counts if it ends in time.
  const more = Math.floor((c.budgetLeftMs + c.sinceLastStepMs) / c.msPerStep);
  const last = Math.min(c.total, c.step + more);
  return (
    `${done} · ~${seconds(c.budgetLeftMs)} s left: the time budget ends training near step ` +
    `${last} of ${c.total} (${(c.msPerStep / 1000).toFixed(1)} s a step)`
  );
}

/** Where a run stopped by the time budget ended ("Stopped …" in the demo bar and the Train panel). */
export function budgetStopNote(step: number, total: number, budgetSeconds: number): string {
  return `at the ${budgetSeconds} s budget after ${step} of ${total} steps`;
}

/** The headline once the run has evaluated: "Done" only when every step ran. */
export function finishedLine(
  step: number,
  total: number,
  budgetSeconds: number,
  stoppedByBudget: boolean,
): string {
  return stoppedByBudget ? `Stopped ${budgetStopNote(step, total, budgetSeconds)}` : 'Done';
}
