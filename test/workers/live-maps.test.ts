import { beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/core/config';
import { generateDemoDataset } from '../../src/core/demo/generate';
import { toRgb } from '../../src/core/pipeline/dataset';
import { Session } from '../../src/core/pipeline/session';
import type { EngineEvent, LiveMapsEvent } from '../../workers/engine-api';
import { createSessionContext } from '../../workers/session/state';
import { trainingCommands } from '../../workers/session/training';
import { TaskRegistry } from '../../workers/tasks';
import { useBackend } from '../helpers/backends';
import { servedTeacher } from '../helpers/teacher-files';

// No IndexedDB in Node: the run store keeps nothing.
vi.mock('../../workers/session/runs-db', () => ({
  saveRun: async <T>(record: T): Promise<T> => record,
}));

/** A tiny real session on a small demo set, and the training commands around it. */
async function setUp() {
  const data = generateDemoDataset({ seed: 5, size: 32, train: 8, testGood: 2, perDefect: 1 });
  const teacher = await servedTeacher('mobilenet_v2');
  const config = validateConfig({
    teacher: 'mobilenet_v2',
    imageSize: 32,
    batchSize: 2,
    steps: 4,
    memoryItems: 3,
    gradNormEvery: 0,
    seed: 9,
  });
  const session = await Session.create(teacher, data, config);
  const events: EngineEvent[] = [];
  const ctx = createSessionContext(new TaskRegistry((e) => events.push(e)), (e) => events.push(e));
  ctx.state.data = data;
  ctx.state.teacher = teacher;
  ctx.state.session = session;
  const live = (): LiveMapsEvent[] => events.filter((e): e is LiveMapsEvent => e.type === 'live-maps');
  return { session, events, live, commands: trainingCommands(ctx) };
}

describe('live maps while training', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('re-scores the fixed test images between steps; pictures and masks come with the first event', async () => {
    const { session, live, commands } = await setUp();
    // No time limit between scorings: one after every step.
    await commands.train({ taskId: 't1', checkpointEvery: 0, live: { minGapMs: 0, maxShare: 1e9 } });
    const got = live();
    expect(got.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    const first = got[0];
    expect(first.source).toBe('test');
    expect(first.items.map((it) => it.kind)).toEqual(['hole', 'missing', 'scratch', 'stain', 'good', 'good']);
    expect(first.maps.length).toBe(6 * 32 * 32);
    expect(first.images).toHaveLength(6);
    expect(first.masks?.filter((m) => m !== null)).toHaveLength(4);
    expect(got[1].images).toBeUndefined();
    for (const e of got) {
      expect(e.pixelAuroc).toBeGreaterThanOrEqual(0);
      expect(e.imageAuroc).toBeGreaterThanOrEqual(0);
      expect(e.overhead).toBeGreaterThan(0);
    }
    // The maps are the model's own: the same as scoring those images after training.
    const after = await session.score([0, 1, 2, 3, 4, 5].map((k) => toRgbOf(session, first.items[k].index)));
    expect(Array.from(got[3].maps.slice(0, 50))).toEqual(Array.from(after.maps.slice(0, 50)));
  });

  it('scores no more than the time share allows (and the last step), and not at all when off', async () => {
    const { live, commands } = await setUp();
    await commands.train({ taskId: 't2', checkpointEvery: 0, untilStep: 2 });
    expect(live()).toHaveLength(0);
    // A gap no step reaches: the first scoring, then the final model's.
    await commands.train({ taskId: 't3', checkpointEvery: 0, untilStep: 4, live: { minGapMs: 1e9 } });
    expect(live().map((e) => e.step)).toEqual([3, 4]);
  });

  it('keeps the best step’s weights when asked, and says so in the notes', async () => {
    const { session, live, commands } = await setUp();
    await commands.train({
      taskId: 't4',
      checkpointEvery: 0,
      live: { minGapMs: 0, maxShare: 1e9, keepBest: true },
    });
    const got = live();
    const best = got.reduce((a, b) => ((b.pixelAuroc ?? 0) > (a.pixelAuroc ?? 0) ? b : a));
    expect(got[got.length - 1].keptStep).toBe(best.step);
    // When the best step is not the last one, the notes say which step the weights come from.
    const noted = session.trainer.notes.some((n) => n.startsWith(`Kept the weights of step ${best.step} `));
    expect(noted).toBe(best.step !== 4);
    const again = await session.score([0, 1, 2, 3, 4, 5].map((k) => toRgbOf(session, got[0].items[k].index)));
    expect(Array.from(again.maps.slice(0, 50))).toEqual(Array.from(best.maps.slice(0, 50)));
  });
});

function toRgbOf(session: Session, index: number) {
  return toRgb(session.data.test[index], session.data.size);
}
