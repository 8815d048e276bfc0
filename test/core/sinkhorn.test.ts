import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  epsilonSchedule,
  sinkhornDivergence,
  sinkhornDivergenceAsync,
  sinkhornDualsAsync,
  sinkhornFromDuals,
  sinkhornPotentials,
} from '../../src/core/losses/sinkhorn';
import { get, loadGolden, relErr, sharedPath } from '../helpers/golden';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';

const g = loadGolden('losses.safetensors');
const arr = (name: string) => get(g, name).data as Float32Array;
const t2 = (name: string) => tf.tensor2d(arr(name), get(g, name).shape as [number, number]);

/** Errors measured, printed once so the report quotes real numbers. */
const achieved: Record<string, number> = {};
afterAll(() => console.log('sinkhorn achieved errors', JSON.stringify(achieved, null, 1)));

describe('geomloss epsilon schedule', () => {
  it('matches sinkhorn_eps_list.json value for value', () => {
    const ref = JSON.parse(readFileSync(sharedPath('golden', 'sinkhorn_eps_list.json'), 'utf8')) as {
      eps_list: number[];
    };
    const ours = epsilonSchedule();
    expect(ours.length).toBe(ref.eps_list.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++)
      worst = Math.max(worst, Math.abs(ours[i] - ref.eps_list[i]) / ref.eps_list[i]);
    achieved.epsListMaxRel = worst;
    expect(worst).toBeLessThan(1e-13);
  });
});

for (const backend of NODE_BACKENDS) {
  describe(`generic Sinkhorn checks on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const name of ['g1', 'g2'] as const) {
      it(`${name}: value, gradients and gauge-invariant potentials`, () => {
        const x = t2(`input.sinkhorn_${name}.x`);
        const y = t2(`input.sinkhorn_${name}.y`);
        const refValue = arr(`output.sinkhorn_${name}`)[0];
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D),
        )([x, y]);
        const value = sinkhornDivergence(x, y).dataSync()[0];
        const valueRel = Math.abs(value - refValue) / Math.abs(refValue);
        const gx = relErr(grads[0].dataSync(), arr(`grad.sinkhorn_${name}.x`));
        const gy = relErr(grads[1].dataSync(), arr(`grad.sinkhorn_${name}.y`));

        const p = sinkhornPotentials(x, y);
        const F = p.F.dataSync();
        const G = p.G.dataSync();
        const Fr = arr(`output.sinkhorn_${name}.F`);
        const Gr = arr(`output.sinkhorn_${name}.G`);
        const dF = relErr(
          Array.from(F, (v) => v - F[0]),
          Array.from(Fr, (v) => v - Fr[0]),
        );
        const dG = relErr(
          Array.from(G, (v) => v - G[0]),
          Array.from(Gr, (v) => v - Gr[0]),
        );
        const sum0 = Math.abs(F[0] + G[0] - (Fr[0] + Gr[0])) / Math.abs(Fr[0] + Gr[0]);
        const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
        const meanSum = Math.abs(mean(F) + mean(G) - refValue) / Math.abs(refValue);
        Object.assign(achieved, {
          [`${backend}.${name}.valueRel`]: valueRel,
          [`${backend}.${name}.gradX`]: gx,
          [`${backend}.${name}.gradY`]: gy,
          [`${backend}.${name}.F-F0`]: dF,
          [`${backend}.${name}.G-G0`]: dG,
          [`${backend}.${name}.F0+G0`]: sum0,
          [`${backend}.${name}.meanF+meanG`]: meanSum,
        });
        expect(valueRel).toBeLessThan(1e-5);
        expect(gx).toBeLessThan(1e-3);
        expect(gy).toBeLessThan(1e-3);
        expect(dF).toBeLessThan(1e-4);
        expect(dG).toBeLessThan(1e-4);
        expect(sum0).toBeLessThan(1e-4);
        expect(meanSum).toBeLessThan(1e-5);
        tf.dispose([x, y, ...grads, p.value, p.F, p.G]);
      });
    }

    it('the async two-phase API gives the same value and gradients as the synchronous one', async () => {
      const x = t2('input.sinkhorn_g2.x');
      const y = t2('input.sinkhorn_g2.y');
      const duals = await sinkhornDualsAsync(x, y);
      const viaDuals = tf.grads(
        (a: tf.Tensor, b: tf.Tensor) => sinkhornFromDuals(a as tf.Tensor2D, b as tf.Tensor2D, duals).value,
      )([x, y]);
      const direct = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D),
      )([x, y]);
      expect(relErr(viaDuals[0].dataSync(), direct[0].dataSync())).toBe(0);
      expect(relErr(viaDuals[1].dataSync(), direct[1].dataSync())).toBe(0);
      const v = await sinkhornDivergenceAsync(x, y);
      expect(
        Math.abs(v.dataSync()[0] - arr('output.sinkhorn_g2')[0]) / arr('output.sinkhorn_g2')[0],
      ).toBeLessThan(1e-5);
      tf.dispose([x, y, v, ...viaDuals, ...direct]);
    });

    it('does not leak tensors', () => {
      const x = t2('input.sinkhorn_g1.x');
      const y = t2('input.sinkhorn_g1.y');
      const before = tf.memory().numTensors;
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        sinkhornDivergence(a as tf.Tensor2D, b as tf.Tensor2D),
      )([x, y]);
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, y]);
    });
  });
}
