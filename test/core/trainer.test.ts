import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ResNetTeacher } from '../../src/core/backbones/resnet';
import { trainedModel, validateConfig, type TrainConfig } from '../../src/core/config';
import { createNetwork, type Banks } from '../../src/core/model/dmgrd';
import { buildBank } from '../../src/core/model/build-banks';
import { disposeMemoryBank } from '../../src/core/model/memory-bank';
import { Trainer } from '../../src/core/train/trainer';
import { Rng } from '../../src/core/synth/rng';
import { useBackend } from '../helpers/backends';
import { yieldToEventLoop } from '../helpers/event-loop';

const SIZE = 32;

function tinySetup(overrides: Partial<TrainConfig>) {
  const config = validateConfig({
    teacher: 'resnet18',
    memoryItems: 6,
    batchSize: 4,
    steps: 60,
    imageSize: SIZE,
    ...overrides,
  });
  const teacher = ResNetTeacher.random('resnet18', 7);
  const net = createNetwork(trainedModel(config), 'resnet18', teacher.channels, 11);
  const images = tf.randomUniform([12, SIZE, SIZE, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const noisy = tf.tidy(() =>
    tf.clipByValue(tf.add(images, tf.randomNormal(images.shape, 0, 0.3, 'float32', 6)), 0, 1),
  ) as tf.Tensor4D;
  const pick = (src: tf.Tensor4D) => (i: number) =>
    tf.slice(src, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
  return { config, teacher, net, images, noisy, pick };
}

async function makeBanks(s: ReturnType<typeof tinySetup>): Promise<Banks> {
  const sources = [0, 1, 2, 3, 4, 5];
  return {
    normal: await buildBank(s.teacher, 6, s.pick(s.images), sources),
    abnormal: await buildBank(s.teacher, 6, s.pick(s.noisy), sources),
  };
}

describe('Trainer', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  // Twelve steps: a leak shows from the third step on, and the sixth and eleventh also measure the
  // per-term gradient norms (gradNormEvery 5), the only steps unlike the others.
  it('keeps tf.memory().numTensors flat over 12 DM-GRD steps', async () => {
    const s = tinySetup({ gradNormEvery: 5 });
    const banks = await makeBanks(s);
    const trainer = new Trainer(s.net, s.teacher, banks, s.config, new Rng(1));
    const batch = tf.slice(s.images, [0, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
    let after2 = 0;
    for (let i = 0; i < 12; i++) {
      const r = await trainer.trainStep(batch);
      expect(Number.isFinite(r.loss.total)).toBe(true);
      if (i === 1) after2 = tf.memory().numTensors;
      await yieldToEventLoop();
    }
    expect(tf.memory().numTensors).toBe(after2);
    trainer.dispose();
    disposeMemoryBank(banks.normal);
    disposeMemoryBank(banks.abnormal);
  });

  it('reference mode reproduces the reference facts; paper mode does not', async () => {
    const ref = tinySetup({});
    const banks = await makeBanks(ref);
    const batch = tf.slice(ref.images, [0, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
    const t = new Trainer(ref.net, ref.teacher, banks, ref.config, new Rng(2));
    const r = await t.trainStep(batch);
    await yieldToEventLoop();
    // L_OT compares the batch with its own permutation: zero up to rounding, and so is its gradient.
    expect(Math.abs(r.loss.ot)).toBeLessThan(1e-6);
    expect(r.gradNorm!.ot).toBeLessThan(1e-6);
    // L_SE reads memories built without gradients: no parameter depends on it.
    expect(r.gradNorm!.se).toBe(0);
    expect(r.gradNorm!.kd).toBeGreaterThan(0);
    expect(r.gradNorm!.con).toBeGreaterThanOrEqual(0);
    // The argmin over sorted top-k blocks can only be the last slot of a block: k-1, 2k-1, 3k-1.
    for (const j of [...r.selected!.normal, ...r.selected!.abnormal]) expect([1, 3, 5]).toContain(j);

    const paper = tinySetup({ paperSelect: true, paperSinkhorn: true, paperTriplet: true });
    const t2 = new Trainer(paper.net, paper.teacher, banks, paper.config, new Rng(2));
    const r2 = await t2.trainStep(batch);
    // Normal vs abnormal fusions are different clouds: a real (if small, softmax-flattened) divergence.
    expect(Math.abs(r2.loss.ot)).toBeGreaterThan(100 * Math.abs(r.loss.ot));
    expect(r2.gradNorm!.ot).toBeGreaterThan(100 * r.gradNorm!.ot);
    // Trainable memories: the triplet term now moves parameters (the memory maps).
    expect(r2.gradNorm!.se).toBeGreaterThan(0);
    // Nearest-item selection: the batch images are memory items 0..3, so each picks itself.
    expect(r2.selected!.normal).toEqual([0, 1, 2, 3]);
    t.dispose();
    t2.dispose();
  });

  it('measures the norms when the reference L_SE is left out (a batch larger than the bank)', async () => {
    const s = tinySetup({ memoryItems: 3 });
    const sources = [0, 1, 2];
    const banks: Banks = {
      normal: await buildBank(s.teacher, 3, s.pick(s.images), sources),
      abnormal: await buildBank(s.teacher, 3, s.pick(s.noisy), sources),
    };
    const batch = tf.slice(s.images, [0, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
    const run = async (gradNormEvery: number) => {
      const net = createNetwork('dmgrd', 'resnet18', s.teacher.channels, 11);
      const t = new Trainer(net, s.teacher, banks, { ...s.config, gradNormEvery }, new Rng(5));
      const r = await t.trainStep(batch);
      await yieldToEventLoop();
      const notes = [...t.notes];
      t.dispose();
      net.store.dispose();
      return { r, notes };
    };
    const measured = await run(1);
    expect(measured.notes.some((n) => n.startsWith('Reference L_SE skipped'))).toBe(true);
    expect(measured.r.loss.se).toBe(0);
    expect(measured.r.gradNorm).toMatchObject({ se: 0 });
    expect(measured.r.gradNorm!.kd).toBeGreaterThan(0);
    // The same step as without the norms.
    const plain = await run(0);
    expect(plain.r.gradNorm).toBeNull();
    for (const term of ['kd', 'ot', 'con', 'se', 'total'] as const)
      expect(measured.r.loss[term]).toBeCloseTo(plain.r.loss[term], 5);
    disposeMemoryBank(banks.normal);
    disposeMemoryBank(banks.abnormal);
  });

  it('recomputing the MSFF and updating during the backward pass change memory, not the step', async () => {
    const run = async (overrides: Partial<TrainConfig>) => {
      const s = tinySetup({ gradNormEvery: 0, ...overrides });
      const banks = await makeBanks(s);
      const t = new Trainer(s.net, s.teacher, banks, s.config, new Rng(4));
      const batch = tf.slice(s.images, [0, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
      const report = await t.trainStep(batch);
      await yieldToEventLoop();
      const weights = new Map([...s.net.store.params].map(([n, v]) => [n, v.dataSync().slice()]));
      const before = tf.memory().numTensors;
      await t.trainStep(batch);
      const leaked = tf.memory().numTensors - before;
      t.dispose();
      tf.dispose([batch, s.images, s.noisy]);
      disposeMemoryBank(banks.normal);
      disposeMemoryBank(banks.abnormal);
      s.net.store.dispose();
      s.teacher.dispose();
      await yieldToEventLoop();
      return { t, report, weights, leaked, lr: report.lr };
    };
    const plain = await run({ recompute: 'off' });
    const variants = [await run({ recompute: 'on' }), await run({ recompute: 'off', gradNormEvery: 1 })];
    expect(plain.t.recompute).toBe(false);
    expect(variants[0].t.recompute).toBe(true);
    for (const v of [plain, ...variants]) expect(v.leaked).toBe(0);
    for (const v of variants) {
      for (const term of ['kd', 'ot', 'con', 'se', 'total'] as const)
        expect(Math.abs(v.report.loss[term] - plain.report.loss[term]), term).toBeLessThanOrEqual(
          1e-5 * Math.abs(plain.report.loss[term]) + 1e-7,
        );
      // Adam's first step moves every element by ±lr whatever the gradient's size, so an element whose
      // gradient is at rounding level may go either way: count those that differ by a hundredth of it.
      let off = 0;
      let total = 0;
      for (const [name, w] of plain.weights) {
        const u = v.weights.get(name)!;
        for (let i = 0; i < w.length; i++) if (Math.abs(w[i] - u[i]) > 0.01 * plain.lr) off++;
        total += w.length;
      }
      expect(off / total).toBeLessThan(1e-4);
    }
  });

  it('plain RD trains only L_KD', async () => {
    const s = tinySetup({ model: 'rd' });
    const t = new Trainer(s.net, s.teacher, null, s.config, new Rng(3));
    const batch = tf.slice(s.images, [0, 0, 0, 0], [4, -1, -1, -1]) as tf.Tensor4D;
    const first = await t.trainStep(batch);
    expect(first.selected).toBeNull();
    expect(first.gradNorm).toEqual({ kd: first.gradNorm!.kd, ot: 0, con: 0, se: 0 });
    let last = first;
    for (let i = 0; i < 10; i++) {
      last = await t.trainStep(batch);
      await yieldToEventLoop();
    }
    expect(last.loss.kd).toBeLessThan(first.loss.kd);
  });
});
