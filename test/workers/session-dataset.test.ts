import { beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/core/config';
import { generateDemoDataset } from '../../src/core/demo/generate';
import { Session } from '../../src/core/pipeline/session';
import { evaluationCommands } from '../../workers/session/evaluation';
import { createSessionContext } from '../../workers/session/state';
import { trainingCommands } from '../../workers/session/training';
import { TaskRegistry } from '../../workers/tasks';
import { useBackend } from '../helpers/backends';
import { servedTeacher } from '../helpers/teacher-files';

// No IndexedDB in Node: the run store keeps nothing.
vi.mock('../../workers/session/runs-db', () => ({
  saveRun: async <T>(record: T): Promise<T> => record,
}));

const demo = (seed: number, testGood: number) =>
  generateDemoDataset({ seed, size: 32, train: 6, testGood, perDefect: 1 });

describe('a model beside another loaded dataset', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('refuses to evaluate or train until its own dataset is loaded again', async () => {
    const own = demo(5, 2);
    const teacher = await servedTeacher('mobilenet_v2');
    const config = validateConfig({
      teacher: 'mobilenet_v2',
      imageSize: 32,
      batchSize: 2,
      steps: 1,
      memoryItems: 3,
      gradNormEvery: 0,
      seed: 9,
    });
    const session = await Session.create(teacher, own, config);
    const ctx = createSessionContext(new TaskRegistry(() => {}), () => {});
    Object.assign(ctx.state, { data: own, teacher, session });
    const training = trainingCommands(ctx);
    const evaluation = evaluationCommands(ctx);

    // One test image fewer: scoring the model's own test set would show an image that is not there.
    ctx.state.data = demo(6, 1);
    await expect(evaluation.evaluate({ taskId: 'e1' })).rejects.toThrow(/open its run from Runs/);
    await expect(training.train({ taskId: 't1', checkpointEvery: 0 })).rejects.toThrow(/start a new run/);
    expect(session.stepsDone).toBe(0);

    ctx.state.data = own;
    const summary = await evaluation.evaluate({ taskId: 'e2' });
    expect(summary.scores).toHaveLength(own.test.length);
    session.dispose();
  });
});
