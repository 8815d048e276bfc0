import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadTeacher } from '../../src/core/backbones';
import { validateConfig } from '../../src/core/config';
import { Session } from '../../src/core/pipeline/session';
import { toRgb } from '../../src/core/pipeline/dataset';
import { useBackend } from '../helpers/backends';
import { yieldToEventLoop } from '../helpers/event-loop';
import { loadMvtecFolder } from '../../scripts/lib/node-dataset';
import { sharedPath } from '../helpers/golden';
import { filterCacheSize } from '../../src/core/kernels/filter-cache';
import { dirReader } from '../../scripts/lib/dir-reader';

/** The light teacher every test trains with. */
const mobilenetV2 = () =>
  loadTeacher('mobilenet_v2', dirReader(sharedPath('models/mobilenet_v2_0.35_keras')));

/** A dozen bottle images at 64 px and a three-step configuration: for what needs no real training. */
const tinyBottle = () =>
  loadMvtecFolder(sharedPath('data/mvtec-256/bottle'), 64, { maxTrain: 12, testEvery: 20 });
const TINY = {
  teacher: 'mobilenet_v2',
  imageSize: 64,
  batchSize: 4,
  steps: 3,
  memoryItems: 6,
  gradNormEvery: 0,
  seed: 5,
};

describe('Session on real MVTec bottle images (tiny config)', () => {
  it('training lowers the KD loss, and evaluation yields well-formed metrics', async () => {
    await useBackend('wasm');
    const data = loadMvtecFolder(sharedPath('data/mvtec-256/bottle'), 64, { maxTrain: 40, testEvery: 4 });
    const teacher = await mobilenetV2();
    const config = validateConfig({
      teacher: 'mobilenet_v2',
      imageSize: 64,
      batchSize: 4,
      steps: 30,
      memoryItems: 10,
      gradNormEvery: 20,
      seed: 3,
    });
    const session = await Session.create(teacher, data, config);
    const kd: number[] = [];
    for (let i = 0; i < config.steps; i++) {
      kd.push((await session.step()).loss.kd);
      await yieldToEventLoop();
    }
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const first = mean(kd.slice(0, 5));
    const last = mean(kd.slice(-5));
    console.log(`KD loss: first 5 steps ${first.toFixed(4)}, last 5 steps ${last.toFixed(4)}`);
    expect(last).toBeLessThan(0.8 * first);

    const tensorsBefore = tf.memory().numTensors;
    const ev = await session.evaluate();
    // Nothing left but the filter planes scoring keeps for the next call (filter-cache.ts).
    expect(tf.memory().numTensors - filterCacheSize().tensors).toBe(tensorsBefore);
    expect(ev.scores.length).toBe(data.test.length);
    expect(ev.maps.length).toBe(data.test.length * 64 * 64);
    const m = ev.metrics;
    for (const v of [m.imageAuroc, m.pixelAuroc, m.aupro.fullRange, m.aupro.mvtec03]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    console.log(
      `I-AUROC ${m.imageAuroc.toFixed(3)} P-AUROC ${m.pixelAuroc.toFixed(3)} PRO ${m.aupro.fullRange.toFixed(3)}`,
    );
    session.dispose();
    teacher.dispose();
  });
});

describe('Session: final BatchNorm statistics (statsBatches)', () => {
  it('the last step replaces the running statistics, and nothing else, the same way every time', async () => {
    await useBackend('wasm');
    const data = tinyBottle();
    const teacher = await mobilenetV2();
    const trained = async (statsBatches: number): Promise<Record<string, Float32Array>> => {
      const session = await Session.create(teacher, data, validateConfig({ ...TINY, statsBatches }));
      for (let i = 0; i < 3; i++) await session.step();
      const out: Record<string, Float32Array> = {};
      for (const [name, v] of session.net.store.entries()) out[name] = (await v.data()) as Float32Array;
      session.dispose();
      return out;
    };
    const reference = await trained(0);
    const averaged = await trained(4);
    const again = await trained(4);
    // bn4 of the OCBE is in the reference checkpoint but no forward reads it (OCBE_UNUSED).
    const stats = Object.keys(reference).filter(
      (k) => /running_(mean|var)$/.test(k) && !k.startsWith('bn.bn4.'),
    );
    expect(stats.length).toBeGreaterThan(0);
    for (const [name, v] of Object.entries(reference)) {
      const differs = v.some((x, i) => x !== averaged[name][i]);
      // Weights are those of the same three steps; every BatchNorm has other statistics.
      expect(differs, name).toBe(stats.includes(name));
      expect(Array.from(again[name]), name).toEqual(Array.from(averaged[name]));
    }
    teacher.dispose();
  });
});

describe('Session: diagnosis read-outs', () => {
  it('clean statistics average the same draw without synthesis; batch-statistics scoring stores nothing', async () => {
    await useBackend('wasm');
    const data = tinyBottle();
    const teacher = await mobilenetV2();
    const config = validateConfig(TINY);
    // A flat grey texture instead of the procedural ones changes every synthetic anomaly.
    const grey = { height: 64, width: 64, data: new Float32Array(64 * 64 * 3).fill(0.5) };
    const statistics = async (textures: (typeof grey)[], synthetic: boolean): Promise<Float32Array[]> => {
      const session = await Session.create(teacher, { ...data, textures }, config);
      await session.averageStatistics(3, { synthetic });
      const stats = session.net.store.entries().filter(([name]) => /running_(mean|var)$/.test(name));
      const out = await Promise.all(stats.map(async ([, v]) => (await v.data()) as Float32Array));
      session.dispose();
      return out;
    };
    const flat = (a: Float32Array[]) => a.flatMap((v) => Array.from(v));
    expect(flat(await statistics([grey], false))).toEqual(flat(await statistics([], false)));
    expect(flat(await statistics([grey], true))).not.toEqual(flat(await statistics([], true)));

    const session = await Session.create(teacher, data, config);
    const stored = async () =>
      flat(
        await Promise.all(
          session.net.store
            .entries()
            .filter(([name]) => /running_(mean|var)$/.test(name))
            .map(async ([, v]) => (await v.data()) as Float32Array),
        ),
      );
    const before = await stored();
    const images = data.test.slice(0, 2).map((t) => toRgb(t, data.size));
    const own = await session.score(images, { training: true, updateStats: false });
    expect(await stored()).toEqual(before);
    const evalMode = await session.score(images);
    expect(Array.from(own.maps)).not.toEqual(Array.from(evalMode.maps));
    session.dispose();
    teacher.dispose();
  });
});
