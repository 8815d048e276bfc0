import type { RunRecord } from '../../../workers/engine-api';

/** A run's status as the Runs panel shows it. */
export type ShownStatus = RunRecord['status'] | 'interrupted';

export interface RunActions {
  status: ShownStatus;
  /**
   * Why Open (and with it Resume and Train further) cannot be used now, or null. Open loads its
   * model to evaluate, explore, export or train further.
   */
  openBlock: string | null;
  /** Resume: continue to its target step. Only for a run cut off before it (paused, stopped, interrupted). */
  resume: boolean;
  /** Train further: a finished run, to a new step count. */
  trainFurther: boolean;
}

/**
 * What the Runs panel offers for `run`. `current`: it is the run open in this page; `busy`: this
 * page is creating or training a run (`current` and busy = this page is training it).
 */
export function runActions(run: RunRecord, current: boolean, busy: boolean): RunActions {
  // Saved as training but not trained by this page: the page that trained it was closed or crashed.
  const status: ShownStatus = run.status === 'training' && !(current && busy) ? 'interrupted' : run.status;
  const openBlock = !run.hasCheckpoint
    ? 'No checkpoint was saved for this run.'
    : current && busy
      ? 'This run is training.'
      : busy
        ? 'Another run is training.'
        : null;
  return {
    status,
    openBlock,
    resume: status === 'paused' || status === 'stopped' || status === 'interrupted',
    trainFurther: status === 'finished',
  };
}

/** The step a run trains towards (its config's steps, or more once trained further). */
export const targetStep = (run: RunRecord): number => run.targetStep ?? run.config.steps;
