import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config';
import { runActions, targetStep } from '../../src/ui/runs/run-actions';
import type { RunRecord, RunStatus } from '../../workers/engine-api';

const run = (status: RunStatus, extra: Partial<RunRecord> = {}): RunRecord => ({
  id: 'run-1',
  createdAt: 0,
  updatedAt: 0,
  dataset: 'bottle',
  config: validateConfig({ steps: 120 }),
  step: 60,
  history: [],
  metrics: null,
  hasCheckpoint: true,
  checkpointStep: 60,
  status,
  ...extra,
});

describe('what the Runs panel offers per status', () => {
  it('Resume for paused and stopped runs, Train further for finished ones, neither for failed', () => {
    const offered = (status: RunStatus) => {
      const a = runActions(run(status), false, false);
      return { status: a.status, resume: a.resume, further: a.trainFurther, open: a.openBlock === null };
    };
    expect(offered('paused')).toEqual({ status: 'paused', resume: true, further: false, open: true });
    expect(offered('stopped')).toEqual({ status: 'stopped', resume: true, further: false, open: true });
    expect(offered('finished')).toEqual({ status: 'finished', resume: false, further: true, open: true });
    expect(offered('failed')).toEqual({ status: 'failed', resume: false, further: false, open: true });
  });

  it('a run saved as training that this page is not training was interrupted, and resumes', () => {
    expect(runActions(run('training'), false, false)).toMatchObject({ status: 'interrupted', resume: true });
    // Another run training in this page blocks every action on it.
    expect(runActions(run('training'), false, true).openBlock).toBe('Another run is training.');
    // The run this page trains shows as training, with nothing to do.
    expect(runActions(run('training'), true, true)).toMatchObject({
      status: 'training',
      resume: false,
      openBlock: 'This run is training.',
    });
  });

  it('without a checkpoint nothing can be opened', () => {
    const a = runActions(run('paused', { hasCheckpoint: false, checkpointStep: undefined }), false, false);
    expect(a.openBlock).toBe('No checkpoint was saved for this run.');
  });

  it('the target of a run trained further is its last training call’s', () => {
    expect(targetStep(run('finished'))).toBe(120);
    expect(targetStep(run('finished', { targetStep: 200 }))).toBe(200);
  });
});
