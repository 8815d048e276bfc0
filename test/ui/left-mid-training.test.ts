import { describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../workers/engine-api';

vi.mock('../../src/client/engine', () => import('../helpers/engine-stub'));
vi.stubGlobal('location', { search: '' });

const { leftMidTraining } = await import('../../src/state/runs-store');

const run = (id: string, status: RunRecord['status'], hasCheckpoint: boolean) =>
  ({ id, status, hasCheckpoint }) as RunRecord;

describe('what the last page left mid-training', () => {
  it('offers the newest run with a checkpoint to resume', () => {
    const runs = [run('c', 'finished', true), run('b', 'training', true), run('a', 'training', true)];
    expect(leftMidTraining(runs, null)).toEqual({ interrupted: runs[1], lost: null });
  });

  it('names the newest run when it closed before its first checkpoint', () => {
    const runs = [run('b', 'training', false), run('a', 'finished', true)];
    expect(leftMidTraining(runs, null)).toEqual({ interrupted: null, lost: runs[0] });
  });

  it('never names an older run without a checkpoint, nor the run this page holds', () => {
    const older = [run('b', 'finished', true), run('a', 'training', false)];
    expect(leftMidTraining(older, null)).toEqual({ interrupted: null, lost: null });
    const mine = [run('b', 'training', false), run('a', 'training', true)];
    expect(leftMidTraining(mine, 'b')).toEqual({ interrupted: mine[1], lost: null });
  });
});
