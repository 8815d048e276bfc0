/**
 * A timed probe of one training configuration: a real session on the loaded images (memory banks,
 * sampler, synthetic anomalies, the full step), a warm-up step, a few timed steps and one step that
 * measures the per-term gradient norms, then everything is freed. What the Train panel's estimate
 * and the timed presets' step counts come from.
 */
import type { Teacher } from '../backbones/teacher';
import type { TrainConfig } from '../config';
import type { StepTiming } from '../perf/run-time';
import type { DatasetImages } from './dataset';
import type { Progress } from './evaluate';
import { Session } from './session';

export interface ProbeOptions {
  /**
   * Timed steps are added while the probe has run for less than this (ms); at least one is. An
   * epoch of a few steps is timed whole, whatever the budget.
   */
  budgetMs?: number;
  /** At most this many timed steps without norms (beyond a short epoch). */
  maxSteps?: number;
  signal?: AbortSignal;
  onProgress?: Progress;
  /**
   * Asked once the network exists, before the memory banks and any step: a reason why the backend
   * cannot train a network of that many trainable parameters here (then nothing more runs), or null.
   */
  preflight?: (trainableParams: number) => string | null;
}

/** The probe did not step: `preflight` gave this reason. */
export class ProbeDeclinedError extends Error {
  override name = 'ProbeDeclinedError';
}

/**
 * `stepMs` is the mean of the timed steps; `gradStepMs` is `stepMs` plus what the norms added to a
 * step of the same batch size.
 */
export interface ProbeResult extends StepTiming {
  /** The first step, with the one-off costs (kernel compilation, heap growth): not in `stepMs`. */
  warmupMs: number;
  /** Each timed step without norms, in order. */
  stepsMs: number[];
  /** Building the memory banks (part of `setupMs`, which the caller adds the teacher load to). */
  banksMs: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Epochs of at most this many steps are timed whole. */
const WHOLE_EPOCH_STEPS = 4;

/**
 * Times `config` on `data` with `teacher` (whose weights do not change the time: a random one of
 * the same architecture serves where none is loaded). The caller keeps the teacher.
 */
export async function probeTraining(
  teacher: Teacher,
  data: DatasetImages,
  config: TrainConfig,
  opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const budgetMs = opts.budgetMs ?? 8_000;
  const maxSteps = opts.maxSteps ?? 3;
  // The probe's own copy: the trainer reads `gradNormEvery` on each step, so the last step can turn
  // the norms on without a second session. No final statistics, even where the run's last step is
  // among the probe's: they are priced from the step time (statsMs).
  const probeConfig: TrainConfig = { ...config, gradNormEvery: 0, statsBatches: 0 };
  const started = performance.now();
  const session = await Session.create(teacher, data, probeConfig, {
    signal: opts.signal,
    onProgress: (d, t, m) => opts.onProgress?.(d, t, `${m} (timing)`),
    checkNetwork: (net) => {
      const refusal = opts.preflight?.(net.store.count());
      if (refusal) throw new ProbeDeclinedError(refusal);
    },
  });
  const banksMs = performance.now() - started;
  try {
    // An epoch ends with a partial batch (the sampler's batches never span epochs), so on a small
    // training set the steps alternate between sizes: there the timed steps are one whole epoch,
    // whose mean is the run's mean step; on a larger set they are full batches.
    const epochSteps = Math.ceil(data.train.length / config.batchSize);
    const timedSteps = epochSteps <= WHOLE_EPOCH_STEPS ? epochSteps : maxSteps;
    const planned = timedSteps + 2;
    let done = 0;
    const timedStep = async (label: string): Promise<{ ms: number; batch: number }> => {
      opts.signal?.throwIfAborted();
      opts.onProgress?.(done, planned, `Timing: ${label}`);
      const t0 = performance.now();
      const report = await session.step();
      done += 1;
      return { ms: performance.now() - t0, batch: report.batchSize };
    };
    const warmup = await timedStep('warm-up step');
    const timed: { ms: number; batch: number }[] = [];
    do timed.push(await timedStep(`step ${timed.length + 1}`));
    while (
      timed.length < timedSteps &&
      (epochSteps <= WHOLE_EPOCH_STEPS || performance.now() - started < budgetMs)
    );
    probeConfig.gradNormEvery = 1;
    const norm = await timedStep('a step with the gradient norms');
    opts.onProgress?.(planned, planned, 'Timing: done');
    const stepsMs = timed.map((t) => t.ms);
    const stepMs = mean(stepsMs);
    // What the norms add, against plain steps of the same batch size (the warm-up's, at worst).
    const sameBatch = timed.filter((t) => t.batch === norm.batch).map((t) => t.ms);
    const plainMs = sameBatch.length ? mean(sameBatch) : warmup.ms;
    const gradStepMs = stepMs + Math.max(0, norm.ms - plainMs);
    return { setupMs: banksMs, banksMs, warmupMs: warmup.ms, stepsMs, stepMs, gradStepMs };
  } finally {
    session.dispose();
  }
}
