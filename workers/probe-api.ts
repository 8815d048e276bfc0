// The timing part of the engine contract (engine-api.ts extends it): a short timed probe of one
// training configuration on the loaded dataset, for the Train panel's estimate and the timed presets.
// Types only.
import type { TrainConfig } from '../src/core/config';
import type { StepTiming } from '../src/core/perf/run-time';
import type { BackendName, TaskId } from './engine-api';

export type { StepTiming } from '../src/core/perf/run-time';

/** What one probe measured, in ms; `setupMs` = teacher load + memory banks. */
export interface TrainingProbe extends StepTiming {
  backend: BackendName;
  /** Loading the teacher (0 when the engine already held it). */
  teacherMs: number;
  banksMs: number;
  /** The first step, with its one-off costs; not part of `stepMs`. */
  warmupMs: number;
  /** Each timed step without the norms. */
  stepsMs: number[];
  /**
   * 'loaded': the engine's teacher; 'served': fetched for the probe; 'random': an architecture
   * whose weights need an import, timed with random weights (the time does not depend on them).
   */
  teacherWeights: 'loaded' | 'served' | 'random';
}

/** A probe that ran, or the reason it did not (a configuration the backend cannot train). */
export type ProbeOutcome =
  { kind: 'measured'; probe: TrainingProbe } | { kind: 'declined'; backend: BackendName; reason: string };

export interface ProbeCommands {
  /**
   * Times `config` on the loaded dataset: a real session (memory banks, sampler, synthesis), a
   * warm-up step, a few timed steps and one with the per-term gradient norms; keeps nothing.
   * Progress and cancellation as every long task.
   */
  measureTraining(config: Partial<TrainConfig>, opts: { taskId: TaskId }): Promise<ProbeOutcome>;
}
