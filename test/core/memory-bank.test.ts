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

/**
 * Paper mode's score from the golden NCHW arrays in plain loops, [B][L]: the cosine over channels
 * between query b and slot i at each pixel, averaged over pixels and then over levels; -Infinity
 * for slots built from `excludeSources[b]`.
 */
function scoresByHand(excludeSources: readonly number[]): number[][] {
  const order = Array.from(get(golden, 'input.shuffle_order').data);
  const mems = LEVELS.map((l) => get(golden, `input.mem.l${l}`));
  const qs = LEVELS.map((l) => get(golden, `input.query.l${l}`));
  const batch = qs[0].shape[0];
  return Array.from({ length: batch }, (_, b) =>
    order.map((source, i) => {
      if (source === excludeSources[b]) return -Infinity;
      let score = 0;
      LEVELS.forEach((l) => {
        const [, c, h, w] = qs[l].shape;
        const pixels = h * w;
        let sum = 0;
        for (let p = 0; p < pixels; p++) {
          let dot = 0;
          let qq = 0;
          let mm = 0;
          for (let k = 0; k < c; k++) {
            const qv = qs[l].data[(b * c + k) * pixels + p];
            const mv = mems[l].data[(i * c + k) * pixels + p];
            dot += qv * mv;
            qq += qv * qv;
            mm += mv * mv;
          }
          // F.normalize's floor: a pixel whose features are all zero has cosine 0.
          sum += dot / Math.max(Math.sqrt(qq), 1e-12) / Math.max(Math.sqrt(mm), 1e-12);
        }
        score += sum / pixels / LEVELS.length;
      });
      return score;
    }),
  );
}

/** Each query's pick scores the row's maximum (to fp32 rounding: a near-tie may go either way). */
function expectBest(slots: number[], scores: number[][]): void {
  slots.forEach((slot, b) => expect(scores[b][slot]).toBeGreaterThan(Math.max(...scores[b]) - 1e-6));
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
      const order = Array.from(get(golden, 'input.shuffle_order').data);
      // Both batches' sources, in slot order (the concatenation keeps them aligned with the maps).
      expect(bank.sources).toEqual(order);
      LEVELS.forEach((l) => {
        expect(bank.levels[l].maps.shape[0]).toBe(order.length);
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
      expect(relErr(sel.diff.dataSync(), get(golden, 'output.diff_bank').data)).toBeLessThan(TOL);
      LEVELS.forEach((l) => {
        const ref = get(golden, `output.select.l${l}`);
        expect(sel.inputs[l].shape).toEqual([ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]]);
        expect(relErr(toNchwData(sel.inputs[l]), ref.data), `select l${l}`).toBeLessThan(TOL);
      });
      tf.dispose([sel.index, sel.diff, ...sel.inputs, ...q]);
      disposeMemoryBank(bank);
    });

    it('paper mode picks the item of highest pixel-aligned cosine, by hand from the golden inputs', () => {
      const bank = goldenBank();
      const q = queries();
      const sel = selectNearest(bank, q);
      const slots = Array.from(sel.index.dataSync());
      expectBest(slots, scoresByHand([]));
      // Its inputs are the concat with the nearest item's maps.
      LEVELS.forEach((l) => {
        const expected = tf.tidy(() => {
          const m = tf.gather(bank.levels[l].maps, slots);
          return tf.concat([q[l], tf.square(tf.sub(m, q[l]))], 3);
        });
        expect(relErr(sel.inputs[l].dataSync(), expected.dataSync())).toBeLessThan(1e-6);
        expected.dispose();
      });
      // Excluding query 0's pick by its source image moves it to the best item of another image;
      // query 1, excluding nothing, keeps its pick.
      const excluded = [bank.sources[slots[0]], -1];
      const ex = selectNearest(bank, q, { excludeSources: excluded });
      const exSlots = Array.from(ex.index.dataSync());
      expect(bank.sources[exSlots[0]]).not.toBe(excluded[0]);
      expectBest(exSlots, scoresByHand(excluded));
      expect(exSlots[1]).toBe(slots[1]);
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
