import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../../src/core/io/safetensors';
import {
  buildMemoryBank,
  diffBank,
  disposeMemoryBank,
  gatherItems,
  itemSimilarity,
  type MemoryBank,
  selectNearest,
  selectReference,
  similarities,
} from '../../src/core/model/memory-bank';
import { useBackend } from '../helpers/backends';
import { get, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';

const LEVELS = [0, 1, 2];
let golden: Map<string, NamedArray>;

beforeAll(() => {
  golden = loadGolden('memory_bank.safetensors');
});

function goldenBank(): MemoryBank {
  const features = LEVELS.map((l) => nhwc(get(golden, `input.mem.l${l}`)) as tf.Tensor4D);
  const sources = Array.from(get(golden, 'input.shuffle_order').data);
  // Two batches, to exercise concatenation: slots 0..1 and 2..5.
  const first = features.map((f) => tf.slice(f, [0, 0, 0, 0], [2, -1, -1, -1]) as tf.Tensor4D);
  const rest = features.map((f) => tf.slice(f, [2, 0, 0, 0], [-1, -1, -1, -1]) as tf.Tensor4D);
  const bank = buildMemoryBank([
    { features: first, sources: sources.slice(0, 2) },
    { features: rest, sources: sources.slice(2) },
  ]);
  tf.dispose([...features, ...first, ...rest]);
  return bank;
}

function queries(): tf.Tensor4D[] {
  return LEVELS.map((l) => nhwc(get(golden, `input.query.l${l}`)) as tf.Tensor4D);
}

/** 1e-4 relative to the tensor's range (the README's measure). */
const TOL = 1e-4;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`memory bank against the reference (${backend})`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    it('builds the item means and keeps the slot sources', () => {
      const bank = goldenBank();
      expect(bank.sources).toEqual([0, 2, 1, 4, 5, 3]);
      LEVELS.forEach((l) => {
        expect(bank.levels[l].maps.shape[0]).toBe(6);
        expect(
          relErr(bank.levels[l].means.dataSync(), get(golden, `output.mem_mean.l${l}`).data),
        ).toBeLessThan(TOL);
      });
      disposeMemoryBank(bank);
    });

    it('computes the diff bank in the reference order (cos, softmax, Fr, top-k mean)', () => {
      const bank = goldenBank();
      const q = queries();
      const before = tf.memory().numTensors;
      const { diff, details } = diffBank(bank, q, { details: true });
      LEVELS.forEach((l) => {
        const d = details![l];
        // [B,L,H,W] flattens like the reference's [B,L,P].
        expect(relErr(d.cos.dataSync(), get(golden, `debug.cos_sim.l${l}`).data), `cos l${l}`).toBeLessThan(
          TOL,
        );
        expect(relErr(d.sim.dataSync(), get(golden, `debug.sim.l${l}`).data), `sim l${l}`).toBeLessThan(TOL);
        expect(relErr(toNchwData(d.fr), get(golden, `debug.Fr.l${l}`).data), `Fr l${l}`).toBeLessThan(TOL);
        expect(relErr(d.topkMean.dataSync(), get(golden, `debug.topk_mean.l${l}`).data)).toBeLessThan(TOL);
      });
      expect(diff.shape).toEqual([2, 6]);
      expect(relErr(diff.dataSync(), get(golden, 'output.diff_bank').data)).toBeLessThan(TOL);
      tf.dispose([diff, ...details!.flatMap((d) => [d.cos, d.sim, d.fr, d.topkMean])]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(q);
      disposeMemoryBank(bank);
    });

    it('selects like the reference: argmin slot, concat(q, (Mu[j] - q)^2)', () => {
      const bank = goldenBank();
      const q = queries();
      const sel = selectReference(bank, q);
      expect(Array.from(sel.index.dataSync())).toEqual(Array.from(get(golden, 'output.argmin').data));
      expect(Array.from(sel.index.dataSync())).toEqual([1, 5]);
      expect(relErr(sel.diff.dataSync(), get(golden, 'output.diff_bank').data)).toBeLessThan(TOL);
      LEVELS.forEach((l) => {
        const ref = get(golden, `output.select.l${l}`);
        expect(sel.inputs[l].shape).toEqual([ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]]);
        expect(relErr(toNchwData(sel.inputs[l]), ref.data), `select l${l}`).toBeLessThan(TOL);
      });
      tf.dispose([sel.index, sel.diff, ...sel.inputs, ...q]);
      disposeMemoryBank(bank);
    });

    it('paper mode picks the item each query was built to resemble (README: images 2 and 4)', () => {
      const bank = goldenBank();
      const q = queries();
      const sel = selectNearest(bank, q);
      const picked = Array.from(sel.index.dataSync()).map((i) => bank.sources[i]);
      expect(picked).toEqual([2, 4]);
      // Its inputs are the concat with the nearest item's maps.
      const idx = sel.index.dataSync();
      LEVELS.forEach((l) => {
        const expected = tf.tidy(() => {
          const m = tf.gather(bank.levels[l].maps, Array.from(idx));
          return tf.concat([q[l], tf.square(tf.sub(m, q[l]))], 3);
        });
        expect(relErr(sel.inputs[l].dataSync(), expected.dataSync())).toBeLessThan(1e-6);
        expected.dispose();
      });
      // Excluding a query's own source image moves it to another item.
      const ex = selectNearest(bank, q, { excludeSources: [2, -1] });
      const exPicked = Array.from(ex.index.dataSync()).map((i) => bank.sources[i]);
      expect(exPicked[0]).not.toBe(2);
      expect(exPicked[1]).toBe(4);
      tf.dispose([sel.index, sel.score, ...sel.inputs, ex.index, ex.score, ...ex.inputs, ...q]);
      disposeMemoryBank(bank);
    });

    it('explorer similarities agree with the selection score and with a direct cosine', () => {
      const bank = goldenBank();
      const q = queries();
      const sims = similarities(bank, q);
      const score = itemSimilarity(bank, q);
      expect(relErr(sims.image.dataSync(), score.dataSync())).toBeLessThan(1e-5);
      // One pixel by hand: level 1, query 0, item 3, pixel (2, 5).
      const qv = q[1].arraySync()[0][2][5];
      const mv = bank.levels[1].maps.arraySync()[3][2][5];
      const dot = qv.reduce((s, v, i) => s + v * mv[i], 0);
      const cos = dot / Math.hypot(...qv) / Math.hypot(...mv);
      expect(sims.levels[1].maps.shape).toEqual([2, 6, 8, 8]);
      expect(Math.abs(sims.levels[1].maps.arraySync()[0][3][2][5] - cos)).toBeLessThan(1e-5);
      tf.dispose([sims.image, score, ...sims.levels.flatMap((s) => [s.maps, s.image, s.global]), ...q]);
      disposeMemoryBank(bank);
    });

    it('gathers with a one-hot matmul whose gradient reaches the memory maps', () => {
      const maps = tf.randomNormal([4, 2, 3, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
      const index = tf.tensor1d([2, 0, 2], 'int32');
      const picked = gatherItems(maps, index);
      expect(relErr(picked.dataSync(), tf.gather(maps, index).dataSync())).toBe(0);
      const g = tf.grad((m: tf.Tensor) => tf.sum(gatherItems(m as tf.Tensor4D, index)))(maps);
      const perItem = tf.sum(g, [1, 2, 3]).dataSync();
      expect(Array.from(perItem)).toEqual([30, 0, 60, 0]);
      tf.dispose([maps, index, picked, g]);
    });
  });
}
