import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { kdLoss } from '../../src/core/losses/kd';
import { pairwiseOtLevel, separationLoss } from '../../src/core/losses/separation';
import { sinkhornDivergence } from '../../src/core/losses/sinkhorn';
import { topkIndices, tripletLoss } from '../../src/core/losses/triplet';
import { totalLoss } from '../../src/core/losses/total';
import { get, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';

const g = loadGolden('losses.safetensors');
const arr = (name: string) => get(g, name).data as Float32Array;
const scalar = (name: string) => arr(name)[0];
const LEVELS = [0, 1, 2];
const levels = (prefix: string) => LEVELS.map((l) => nhwc(get(g, `${prefix}.l${l}`)) as tf.Tensor4D);
const bank = (name: string): number[][] => {
  const a = get(g, name);
  const [r, c] = a.shape;
  return Array.from({ length: r }, (_, i) => Array.from(a.data.subarray(i * c, (i + 1) * c)));
};
const relScalar = (v: number, ref: number) => Math.abs(v - ref) / Math.abs(ref);

const achieved: Record<string, number> = {};
afterAll(() => console.log('losses achieved errors', JSON.stringify(achieved, null, 1)));

for (const backend of NODE_BACKENDS) {
  describe(`losses on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('kd_loss: value and gradient w.r.t. the student', () => {
      const a = levels('input.kd.a');
      const b = levels('input.kd.b');
      const value = kdLoss(a, b).dataSync()[0];
      const grads = tf.grads((...bs: tf.Tensor[]) => kdLoss(a, bs as tf.Tensor4D[]))(b);
      achieved[`${backend}.kd.valueRel`] = relScalar(value, scalar('output.kd_loss'));
      expect(achieved[`${backend}.kd.valueRel`]).toBeLessThan(1e-5);
      LEVELS.forEach((l) => {
        const e = relErr(toNchwData(grads[l]), arr(`grad.kd.b.l${l}`));
        achieved[`${backend}.kd.grad.l${l}`] = e;
        expect(e).toBeLessThan(1e-3);
      });
      tf.dispose([...a, ...b, ...grads]);
    });

    it('kd per-pixel variant equals the whole-map form applied to each pixel as a sample', () => {
      const a = levels('input.kd.a');
      const b = levels('input.kd.b');
      const asPixels = (x: tf.Tensor4D) => tf.reshape(x, [-1, 1, 1, x.shape[3]]) as tf.Tensor4D;
      const perPixel = kdLoss(a, b, { perPixel: true }).dataSync()[0];
      const manual = kdLoss(a.map(asPixels), b.map(asPixels)).dataSync()[0];
      expect(Math.abs(perPixel - manual)).toBeLessThan(1e-6);
      expect(Math.abs(perPixel - scalar('output.kd_loss'))).toBeGreaterThan(1e-3);
      const grads = tf.grads((...bs: tf.Tensor[]) => kdLoss(a, bs as tf.Tensor4D[], { perPixel: true }))(b);
      expect(grads.every((t) => t.dataSync().every(Number.isFinite))).toBe(true);
      tf.dispose([...a, ...b, ...grads]);
    });

    it('Separation_loss (reference mode, golden permutation): terms, total and gradients', () => {
      const normal = levels('input.sep.normal');
      const noise = levels('input.sep.noise');
      const perm = Array.from(get(g, 'input.sep.perm').data);
      const r = separationLoss(normal, noise, { perm });
      LEVELS.forEach((l) => {
        const s = r.sinkhorn[l].dataSync()[0];
        expect(Math.abs(s)).toBeLessThan(1e-6);
        expect(Math.abs(scalar(`output.sep_sinkhorn.l${l}`))).toBeLessThan(1e-6);
        achieved[`${backend}.sep.sinkhornAbs.l${l}`] = Math.abs(s);
        const c = relScalar(r.contrast[l].dataSync()[0], scalar(`output.sep_contrast.l${l}`));
        achieved[`${backend}.sep.contrastRel.l${l}`] = c;
        expect(c).toBeLessThan(1e-5);
      });
      expect(Math.abs(r.sinkhornSum.dataSync()[0])).toBeLessThan(1e-6);
      expect(relScalar(r.contrastSum.dataSync()[0], scalar('output.sep_contrast_sum'))).toBeLessThan(1e-5);
      achieved[`${backend}.sep.totalRel`] = relScalar(r.total.dataSync()[0], scalar('output.sep_loss'));
      expect(achieved[`${backend}.sep.totalRel`]).toBeLessThan(1e-5);
      tf.dispose([...r.sinkhorn, ...r.contrast, r.sinkhornSum, r.contrastSum, r.total]);

      const grads = tf.grads((...xs: tf.Tensor[]) => {
        const res = separationLoss(xs.slice(0, 3) as tf.Tensor4D[], xs.slice(3) as tf.Tensor4D[], { perm });
        return res.total;
      })([...normal, ...noise]);
      LEVELS.forEach((l) => {
        const en = relErr(toNchwData(grads[l]), arr(`grad.sep.normal.l${l}`));
        const ea = relErr(toNchwData(grads[3 + l]), arr(`grad.sep.noise.l${l}`));
        achieved[`${backend}.sep.gradNormal.l${l}`] = en;
        achieved[`${backend}.sep.gradNoise.l${l}`] = ea;
        expect(en).toBeLessThan(1e-3);
        expect(ea).toBeLessThan(1e-3);
      });
      const sg = tf.grads(
        (...xs: tf.Tensor[]) => separationLoss(xs as tf.Tensor4D[], noise, { perm }).sinkhornSum,
      )(normal);
      LEVELS.forEach((l) => {
        const ours = tf.max(tf.abs(sg[l])).dataSync()[0];
        const ref = Math.max(...Array.from(arr(`grad.sep_sinkhorn_only.normal.l${l}`), Math.abs));
        achieved[`${backend}.sep.sinkhornOnlyGradAbsMax.l${l}`] = ours;
        expect(ref).toBeLessThan(1e-6);
        expect(ours).toBeLessThan(1e-6);
      });
      tf.dispose([...normal, ...noise, ...grads, ...sg]);
    });

    it('the closed form equals the golden-checked Sinkhorn on every pair of single samples', () => {
      const normal = levels('input.sep.normal');
      const x = tf.softmax(tf.reshape(normal[1], [normal[1].shape[0], -1])) as tf.Tensor2D;
      const m = x.shape[0];
      let viaSinkhorn = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          if (i === j) continue;
          const xi = tf.slice(x, [i, 0], [1, -1]) as tf.Tensor2D;
          const xj = tf.slice(x, [j, 0], [1, -1]) as tf.Tensor2D;
          viaSinkhorn += sinkhornDivergence(xi, xj).dataSync()[0];
          tf.dispose([xi, xj]);
        }
      }
      const closed = pairwiseOtLevel(normal[1], 1).dataSync()[0] * m;
      // fp32 cost matrices cancel ½(‖u‖² − 2⟨u,v⟩ + ‖v‖²): agreement to 1e-3 relative.
      expect(viaSinkhorn).toBeGreaterThan(0);
      expect(Math.abs(closed - viaSinkhorn)).toBeLessThan(1e-3 * viaSinkhorn);
      tf.dispose([...normal, x]);
    });

    it('Separation_loss paper mode: pairwise OT over the normal fusions (Eq. 9), with gradients', () => {
      const normal = levels('input.sep.normal');
      const noise = levels('input.sep.noise');
      const r = separationLoss(normal, noise, { mode: 'paper' });
      expect(r.sinkhornSum.dataSync()[0]).toBeGreaterThan(1e-9);
      expect(relScalar(r.contrastSum.dataSync()[0], scalar('output.sep_contrast_sum'))).toBeLessThan(1e-5);
      // Only the normal-bank fusions enter Eq. 9 (tf.grads would throw on an unconnected input).
      const grads = tf.grads(
        (...xs: tf.Tensor[]) => separationLoss(xs as tf.Tensor4D[], noise, { mode: 'paper' }).sinkhornSum,
      )(normal);
      expect(grads.every((t) => t.dataSync().every(Number.isFinite))).toBe(true);
      expect(tf.max(tf.abs(grads[0])).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([
        ...normal,
        ...noise,
        ...grads,
        ...r.sinkhorn,
        ...r.contrast,
        r.sinkhornSum,
        r.contrastSum,
        r.total,
      ]);
    });

    it('triplet_loss: indices, value and gradients w.r.t. both memories', () => {
      const nMem = levels('input.triplet.normal_mem');
      const aMem = levels('input.triplet.abnormal_mem');
      const dn = bank('input.triplet.normal_diff_bank');
      const da = bank('input.triplet.abnormal_diff_bank');
      expect(topkIndices(dn, 3).flat()).toEqual(Array.from(get(g, 'debug.triplet.N_index').data));
      expect(topkIndices(da, 3).flat()).toEqual(Array.from(get(g, 'debug.triplet.A_index').data));
      const r = tripletLoss(nMem, dn, aMem, da);
      achieved[`${backend}.triplet.valueRel`] = relScalar(
        r.total.dataSync()[0],
        scalar('output.triplet_loss'),
      );
      expect(achieved[`${backend}.triplet.valueRel`]).toBeLessThan(1e-5);
      const grads = tf.grads(
        (...xs: tf.Tensor[]) =>
          tripletLoss(xs.slice(0, 3) as tf.Tensor4D[], dn, xs.slice(3) as tf.Tensor4D[], da).total,
      )([...nMem, ...aMem]);
      LEVELS.forEach((l) => {
        const en = relErr(toNchwData(grads[l]), arr(`grad.triplet.normal_mem.l${l}`));
        const ea = relErr(toNchwData(grads[3 + l]), arr(`grad.triplet.abnormal_mem.l${l}`));
        achieved[`${backend}.triplet.gradNormal.l${l}`] = en;
        achieved[`${backend}.triplet.gradAbnormal.l${l}`] = ea;
        expect(en).toBeLessThan(1e-3);
        expect(ea).toBeLessThan(1e-3);
      });
      tf.dispose([...nMem, ...aMem, ...grads, ...r.perLevel, r.total]);
    });

    it('triplet_loss with the same top-3 in both banks is exactly 3 with zero gradient', () => {
      const nMem = levels('input.triplet.normal_mem');
      const aMem = levels('input.triplet.abnormal_mem');
      const dn = bank('input.triplet.normal_diff_bank');
      const f = (...xs: tf.Tensor[]) =>
        tripletLoss(xs.slice(0, 3) as tf.Tensor4D[], dn, xs.slice(3) as tf.Tensor4D[], dn).total;
      expect(scalar('output.triplet_loss_same_topk')).toBe(3);
      expect(scalar('debug.triplet_same_topk_grad_absmax')).toBe(0);
      const v = f(...nMem, ...aMem);
      expect(v.dataSync()[0]).toBe(3);
      const grads = tf.grads(f)([...nMem, ...aMem]);
      expect(Math.max(...grads.map((t) => tf.max(tf.abs(t)).dataSync()[0]))).toBe(0);
      tf.dispose([...nMem, ...aMem, ...grads, v]);
    });

    it('triplet paper mode gives finite values and gradients into both memories', () => {
      const nMem = levels('input.triplet.normal_mem');
      const aMem = levels('input.triplet.abnormal_mem');
      const dn = bank('input.triplet.normal_diff_bank');
      const da = bank('input.triplet.abnormal_diff_bank');
      const f = (...xs: tf.Tensor[]) =>
        tripletLoss(xs.slice(0, 3) as tf.Tensor4D[], dn, xs.slice(3) as tf.Tensor4D[], da, { mode: 'paper' })
          .total;
      const v = f(...nMem, ...aMem).dataSync()[0];
      expect(Number.isFinite(v) && v >= 0).toBe(true);
      const grads = tf.grads(f)([...nMem, ...aMem]);
      expect(grads.every((t) => t.dataSync().every(Number.isFinite))).toBe(true);
      if (v > 0) expect(tf.max(tf.abs(grads[3])).dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([...nMem, ...aMem, ...grads]);
    });

    it('total = L_KD + 0.2·(L_OT + 0.1·L_Con) + 0.1·L_SE reproduces kd + 0.2·sep_loss + 0.1·triplet', () => {
      const t = totalLoss({
        kd: tf.scalar(scalar('output.kd_loss')),
        ot: tf.scalar(scalar('output.sep_sinkhorn_sum')),
        con: tf.scalar(scalar('output.sep_contrast_sum')),
        se: tf.scalar(scalar('output.triplet_loss')),
      });
      const ref =
        scalar('output.kd_loss') + 0.2 * scalar('output.sep_loss') + 0.1 * scalar('output.triplet_loss');
      expect(relScalar(t.total.dataSync()[0], ref)).toBeLessThan(1e-6);
      tf.dispose([t.total, t.kd, t.ot, t.con, t.se]);
    });
  });
}
