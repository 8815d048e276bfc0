// A training budget in minutes instead of a step count: a few timed steps of the configuration give
// the time per step, and the run's step count (so its whole learning-rate schedule: warm-up, peak,
// decay) is set to end at the budget.
import type { Page } from '@playwright/test';
import { appliesTo, CONFIG_SCHEMA, type ModelKind, type TrainConfig } from '../../src/core/config';

/** Steps of the probe; the first pays the one-off costs (kernel compilation, heap growth) and is not timed. */
export const PROBE_STEPS = 4;

/** How a budget became a step count (recorded in the report). */
export interface BudgetPlan {
  minutes: number;
  /** Steps the probe timed (all but its first) and their mean wall time, synthesis and batching included. */
  probeTimedSteps: number;
  probeMsPerStep: number;
  /** Wall time of the probe, its session creation included (not part of the budget). */
  probeMs: number;
  /** The step count the run trained with. */
  steps: number;
}

/** Whether `model` trains in optimiser steps: a model the `steps` option does not apply to is fitted once. */
export function trainsInSteps(model: ModelKind): boolean {
  return appliesTo('steps', model);
}

/**
 * The most steps of `msPerStep` that fit `budgetMs`, at least 1 and at most the schema's maximum
 * (so the run is one `--steps` can reproduce).
 */
export function stepsForBudget(budgetMs: number, msPerStep: number): number {
  if (!(budgetMs > 0) || !(msPerStep > 0) || !Number.isFinite(msPerStep))
    throw new Error(
      `A budget needs a positive time and time per step (got ${budgetMs} ms, ${msPerStep} ms).`,
    );
  return Math.min(CONFIG_SCHEMA.steps.max, Math.max(1, Math.floor(budgetMs / msPerStep)));
}

/**
 * Mean time per step from the times at which consecutive step events arrived (ms, in step order):
 * the intervals after the first event, so the first step's one-off costs are left out.
 */
export function meanStepInterval(arrivals: readonly number[]): number {
  if (arrivals.length < 2) throw new Error(`The probe timed ${arrivals.length} step(s); it needs 2.`);
  return (arrivals[arrivals.length - 1] - arrivals[0]) / (arrivals.length - 1);
}

/**
 * Times `config` on the page's loaded dataset: a session of it trains PROBE_STEPS steps while the
 * page notes when each step event arrives (the page's main thread is idle while the worker trains).
 * The session is replaced by the caller's next createSession.
 */
export async function probeStepTimes(page: Page, config: TrainConfig): Promise<number[]> {
  return page.evaluate(
    async ({ config, steps }) => {
      const events = window.__engineEvents!;
      const arrivals: number[] = [];
      let seen = events.length;
      const poll = setInterval(() => {
        for (; seen < events.length; seen++)
          if (events[seen].type === 'step') arrivals.push(performance.now());
      }, 5);
      try {
        // No final statistics at its last step: they are priced from the step time (statsMs).
        await window.__engine!.createSession(
          { ...config, steps, statsBatches: 0 },
          { taskId: 'bench-probe-create' },
        );
        await window.__engine!.train({ taskId: 'bench-probe', untilStep: steps, checkpointEvery: 0 });
      } finally {
        clearInterval(poll);
      }
      return arrivals;
    },
    { config, steps: PROBE_STEPS },
  );
}
