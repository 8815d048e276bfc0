import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ResNetTeacher } from '../../src/core/backbones/resnet';
import { validateConfig, type TrainConfig } from '../../src/core/config';
import { filterCacheSize } from '../../src/core/kernels/filter-cache';
import { ProbeDeclinedError, probeTraining } from '../../src/core/pipeline/probe';
import { Session } from '../../src/core/pipeline/session';
import { loadMvtecFolder } from '../../scripts/lib/node-dataset';
import { useBackend } from '../helpers/backends';
import { sharedPath } from '../helpers/golden';

describe('probeTraining', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  const data = (maxTrain: number) =>
    loadMvtecFolder(sharedPath('data/mvtec-256/bottle'), 32, { maxTrain, testEvery: 40 });
  const config = (overrides: Partial<TrainConfig>): TrainConfig =>
    validateConfig({ teacher: 'resnet18', imageSize: 32, memoryItems: 3, gradNormEvery: 0, ...overrides });
  /** Tensors held now, but for the filter planes scoring keeps between calls (filter-cache.ts). */
  const held = (): number => tf.memory().numTensors - filterCacheSize().tensors;

  it('times a short epoch whole (batches of 4 and 1), then a step with the norms, and frees everything', async () => {
    const teacher = ResNetTeacher.random('resnet18', 7);
    const c = config({ batchSize: 4 });
    const before = held();
    const messages: string[] = [];
    const r = await probeTraining(teacher, data(5), c, {
      budgetMs: 0,
      onProgress: (_d, _t, m) => messages.push(m),
    });
    expect(held()).toBe(before);
    // 5 images, batch 4: the run alternates 4 and 1, and so did the timed steps, whatever the budget.
    expect(r.stepsMs).toHaveLength(2);
    expect(r.stepMs).toBeCloseTo((r.stepsMs[0] + r.stepsMs[1]) / 2, 9);
    for (const ms of [r.banksMs, r.warmupMs, r.stepMs]) expect(ms).toBeGreaterThan(0);
    expect(r.gradStepMs).toBeGreaterThanOrEqual(r.stepMs);
    expect(r.setupMs).toBe(r.banksMs);
    expect(messages).toContain('Timing: a step with the gradient norms');
    expect(messages.some((m) => m.includes('memory bank'))).toBe(true);
    // The caller's configuration is not touched.
    expect(c.gradNormEvery).toBe(0);
    teacher.dispose();
  });

  it('never sets the final statistics, even where the run is no longer than the probe', async () => {
    const teacher = ResNetTeacher.random('resnet18', 7);
    const averaged = vi.spyOn(Session.prototype, 'averageStatistics');
    try {
      await probeTraining(teacher, data(5), config({ batchSize: 4, steps: 2, statsBatches: 8 }), {
        budgetMs: 0,
      });
      expect(averaged).not.toHaveBeenCalled();
    } finally {
      averaged.mockRestore();
      teacher.dispose();
    }
  });

  it('on a longer epoch, times full batches while within its budget (at least one)', async () => {
    const teacher = ResNetTeacher.random('resnet18', 7);
    const r = await probeTraining(teacher, data(12), config({ batchSize: 2 }), { budgetMs: 0, maxSteps: 3 });
    expect(r.stepsMs).toHaveLength(1);
    expect(r.stepMs).toBe(r.stepsMs[0]);
    teacher.dispose();
  });

  it('declines before the banks when the preflight says so, and can be cancelled; both free what they built', async () => {
    const teacher = ResNetTeacher.random('resnet18', 7);
    const before = held();
    let asked = 0;
    const messages: string[] = [];
    const declined = probeTraining(teacher, data(5), config({ batchSize: 4 }), {
      preflight: (params) => {
        asked = params;
        return 'too big for this test';
      },
      onProgress: (_d, _t, m) => messages.push(m),
    });
    await expect(declined).rejects.toThrow(ProbeDeclinedError);
    expect(asked).toBeGreaterThan(1e5);
    // Refused before the memory banks were built.
    expect(messages).toEqual([]);
    expect(held()).toBe(before);

    const abort = new AbortController();
    const run = probeTraining(teacher, data(5), config({ batchSize: 4 }), {
      signal: abort.signal,
      onProgress: (_d, _t, m) => {
        if (m.startsWith('Timing: step 1')) abort.abort(new Error('cancelled by the test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by the test');
    expect(held()).toBe(before);
    teacher.dispose();
  });
});
