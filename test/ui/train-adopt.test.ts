import { describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/core/config';
import { DEFAULT_PRESET, presetConfig } from '../../src/core/presets';
import type { DatasetSummary, RunRecord, SessionInfo } from '../../workers/engine-api';

// What the Train panel's store makes of a run it takes over: from the Runs tab (its stored record)
// or from the demo (which says how the run ended). No engine call is made.
vi.mock('../../src/client/engine', () => import('../helpers/engine-stub'));
vi.stubGlobal('location', { search: '' });

const { useTrainStore } = await import('../../src/state/train-store');
const { useDatasetStore } = await import('../../src/state/dataset-store');

const config = validateConfig({ teacher: 'mobilenet_v2', imageSize: 64, steps: 90 });
const info = (step: number): SessionInfo => ({
  runId: 'run-1',
  config,
  step,
  totalSteps: 90,
  parameters: 1,
  teacherChannels: [16, 24, 32],
  memorySources: null,
  notes: [],
});

describe('a run taken over by the Train panel', () => {
  it('stopped by the demo’s budget: "stopped" with where it ended, never "paused"', () => {
    useTrainStore.setState({ notice: 'cancelled while creating the session; nothing was trained or saved.' });
    useTrainStore
      .getState()
      .adopt(info(31), [], { status: 'stopped', note: 'at the 90 s budget after 31 of 90 steps' });
    const s = useTrainStore.getState();
    expect(s.status).toBe('stopped');
    expect(s.statusNote).toBe('at the 90 s budget after 31 of 90 steps');
    // A word about an earlier Start does not describe this run.
    expect(s.notice).toBeNull();
    expect(s.totalSteps).toBe(90);
  });

  it('without a status: finished at its last step, paused before; a stored record decides for itself', () => {
    const { adopt } = useTrainStore.getState();
    adopt(info(90), []);
    expect(useTrainStore.getState()).toMatchObject({ status: 'finished', statusNote: null });
    adopt(info(40), []);
    expect(useTrainStore.getState().status).toBe('paused');
    const record = { status: 'stopped', targetStep: 90, step: 40 } as RunRecord;
    adopt(info(40), [], { record, status: 'finished' });
    expect(useTrainStore.getState().status).toBe('stopped');
  });
});

describe('a run when another dataset is loaded', () => {
  const demoSummary = { fingerprint: { source: 'demo' } } as DatasetSummary;
  const folderSummary = { fingerprint: { source: 'folder' } } as DatasetSummary;
  const load = (summary: DatasetSummary) =>
    useDatasetStore.setState((s) => ({ summary, generation: s.generation + 1 }));

  it("is put away; the demo's settings give way to the default preset", () => {
    load(demoSummary);
    useTrainStore.getState().adopt(info(90), [], { status: 'finished' });
    expect(useTrainStore.getState().config?.imageSize).toBe(64);
    load(folderSummary);
    const s = useTrainStore.getState();
    expect(s).toMatchObject({ session: null, status: 'idle', history: [], statusNote: null });
    expect(s.config?.imageSize).toBe(presetConfig(DEFAULT_PRESET).imageSize);
  });

  it("keeps a user's run settings for the new folder, and leaves a run in training alone", () => {
    load(folderSummary);
    const own = { ...config, imageSize: 96 };
    useTrainStore.getState().adopt({ ...info(40), config: own }, []);
    load(folderSummary);
    expect(useTrainStore.getState()).toMatchObject({ session: null, status: 'idle' });
    expect(useTrainStore.getState().config?.imageSize).toBe(96);
    useTrainStore.getState().adopt(info(40), []);
    useTrainStore.setState({ status: 'training' });
    load(folderSummary);
    expect(useTrainStore.getState().session?.runId).toBe('run-1');
  });
});
