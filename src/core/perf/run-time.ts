/**
 * The wall time of a training run from a timed probe of its configuration (a few real steps on
 * this device), and the other way round: how many steps fit a time budget. Pure arithmetic, shared
 * by the worker's probe, the Train panel, the presets and the benchmark runner.
 */
import type { ConfigKey, TrainConfig } from '../config';

/** What a probe of one configuration measured on one backend, in ms. */
export interface StepTiming {
  /** Everything before the first step: loading the teacher and building the memory banks. */
  setupMs: number;
  /** One optimiser step without the per-term gradient norms (median of the timed steps). */
  stepMs: number;
  /** One step that also measures the per-term gradient norms; null where it was not timed. */
  gradStepMs: number | null;
}

/**
 * The options a step's time depends on. The others (schedule, loss weights, seed, step count,
 * top-k, how often the norms are measured) change what a step computes with, not how much.
 */
export const TIMING_KEYS = [
  'model',
  'teacher',
  'imageSize',
  'batchSize',
  'memoryItems',
  'recompute',
  'paperLambda',
  'paperBeta',
  'paperKdPerPixel',
  'paperSelect',
  'paperSinkhorn',
  'paperTriplet',
] as const satisfies readonly ConfigKey[];

/** Configurations with one key take the same time per step on `backend`. */
export function timingKey(config: TrainConfig, backend: string): string {
  return [backend, ...TIMING_KEYS.map((k) => `${k}=${String(config[k])}`)].join(' ');
}

/** Steps of a run of `steps` that measure the norms: reported steps 1, 1 + every, 1 + 2·every, … */
export function normSteps(steps: number, gradNormEvery: number): number {
  return gradNormEvery > 0 ? Math.ceil(steps / gradNormEvery) : 0;
}

/** What measuring the norms adds to one measuring step, in ms (0 where not timed). */
export function normStepExtraMs(t: StepTiming): number {
  return t.gradStepMs === null ? 0 : Math.max(0, t.gradStepMs - t.stepMs);
}

/**
 * A batch of the final BatchNorm statistics (`statsBatches`) against one training step: one forward
 * pass of the normal path, where a step runs both banks' MSFF forward and the backward pass.
 */
export const STATS_BATCH_STEP_SHARE = 0.3;

/** What the final BatchNorm statistics add to a run at `stepMs` per step, in ms. */
export function statsMs(stepMs: number, statsBatches: number): number {
  return statsBatches * stepMs * STATS_BATCH_STEP_SHARE;
}

/** What a run's length depends on besides its steps. */
export type RunExtras = Pick<TrainConfig, 'gradNormEvery'> & Partial<Pick<TrainConfig, 'statsBatches'>>;

/** Seconds of a run of `config.steps` steps, setup and final statistics included. */
export function runSeconds(t: StepTiming, config: Pick<TrainConfig, 'steps'> & RunExtras): number {
  const ms =
    t.setupMs +
    config.steps * t.stepMs +
    normSteps(config.steps, config.gradNormEvery) * normStepExtraMs(t) +
    statsMs(t.stepMs, config.statsBatches ?? 0);
  return ms / 1000;
}

/** The norms' share of a run's step time: 0.04 = they make training 4 % longer. */
export function normCostFraction(t: StepTiming, gradNormEvery: number): number {
  return gradNormEvery > 0 ? normStepExtraMs(t) / gradNormEvery / t.stepMs : 0;
}

/**
 * The most steps whose run (setup included) fits `seconds`, at least `minSteps`: a budget the
 * setup alone exceeds still trains `minSteps`, and the estimate then says how long that takes.
 */
export function stepsWithin(seconds: number, t: StepTiming, extras: RunExtras, minSteps: number): number {
  const { gradNormEvery } = extras;
  const perStep = t.stepMs + (gradNormEvery > 0 ? normStepExtraMs(t) / gradNormEvery : 0);
  const fixedMs = t.setupMs + statsMs(t.stepMs, extras.statsBatches ?? 0);
  let steps = Math.max(minSteps, Math.floor((seconds * 1000 - fixedMs) / perStep));
  // The norm steps come in whole steps (the first step is one): step back while the rounding overshoots.
  while (steps > minSteps && runSeconds(t, { ...extras, steps }) > seconds) steps -= 1;
  return steps;
}

/**
 * Seconds left of a run that is training, from its own recent steps: `stepsPerSecond` is measured
 * over the steps as they arrive (norm steps and checkpoint saves included).
 */
export function secondsLeft(step: number, totalSteps: number, stepsPerSecond: number): number | null {
  return stepsPerSecond > 0 ? Math.max(0, totalSteps - step) / stepsPerSecond : null;
}
