import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gaussianKernel1d, levelAnomalyMaps, scoreBatch } from '../../src/core/scoring/anomaly-map';
import { get, loadGolden, nhwc, relErr } from '../helpers/golden';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';

const g = loadGolden('anomaly_map.safetensors');
const arr = (name: string) => get(g, name).data as Float32Array;
const LEVELS = [0, 1, 2];

const achieved: Record<string, number> = {};
afterAll(() => console.log('anomaly-map achieved errors', JSON.stringify(achieved, null, 1)));

describe('Gaussian kernel', () => {
  it('matches scipy (sigma 4, truncate 4: 33 taps)', () => {
    const k = gaussianKernel1d(4, 4);
    expect(k.length).toBe(33);
    achieved.gaussKernel = relErr(k, arr('debug.gauss_kernel_1d'));
    expect(achieved.gaussKernel).toBeLessThan(1e-6);
  });
});

for (const backend of NODE_BACKENDS) {
  describe(`anomaly map on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    for (const p of ['p0', 'p1', 'p2']) {
      it(`${p}: level maps, amap, blurred map and top-100 score`, () => {
        const fs = LEVELS.map((l) => nhwc(get(g, `input.${p}.fs.l${l}`)) as tf.Tensor4D);
        const ft = LEVELS.map((l) => nhwc(get(g, `input.${p}.ft.l${l}`)) as tf.Tensor4D);
        const before = tf.memory().numTensors;
        const lm = levelAnomalyMaps(fs, ft, 64, 64);
        LEVELS.forEach((l) => {
          const e = relErr(lm[l].dataSync(), arr(`debug.${p}.level_map.l${l}`));
          achieved[`${backend}.${p}.level.l${l}`] = e;
          expect(e).toBeLessThan(1e-4);
        });
        const r = scoreBatch(fs, ft, { outH: 64, outW: 64 });
        const eA = relErr(r.amap.dataSync(), arr(`output.${p}.amap`));
        const eB = relErr(r.blurred.dataSync(), arr(`output.${p}.amap_blur`));
        const ref = arr(`output.${p}.score`)[0];
        const eS = Math.abs(r.score.dataSync()[0] - ref) / Math.abs(ref);
        Object.assign(achieved, {
          [`${backend}.${p}.amap`]: eA,
          [`${backend}.${p}.blur`]: eB,
          [`${backend}.${p}.scoreRel`]: eS,
        });
        expect(eA).toBeLessThan(1e-4);
        expect(eB).toBeLessThan(1e-4);
        expect(eS).toBeLessThan(1e-5);
        tf.dispose([...lm, r.amap, r.blurred, r.score]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([...fs, ...ft]);
      });
    }

    it('scores a batch of several maps independently', () => {
      const pick = (p: string, side: 'fs' | 'ft') =>
        LEVELS.map((l) => nhwc(get(g, `input.${p}.${side}.l${l}`)) as tf.Tensor4D);
      const fs = LEVELS.map((l) => tf.concat([pick('p0', 'fs')[l], pick('p2', 'fs')[l]]) as tf.Tensor4D);
      const ft = LEVELS.map((l) => tf.concat([pick('p0', 'ft')[l], pick('p2', 'ft')[l]]) as tf.Tensor4D);
      const r = scoreBatch(fs, ft, { outH: 64, outW: 64 });
      const s = r.score.dataSync();
      expect(Math.abs(s[0] - arr('output.p0.score')[0]) / arr('output.p0.score')[0]).toBeLessThan(1e-5);
      expect(Math.abs(s[1] - arr('output.p2.score')[0]) / arr('output.p2.score')[0]).toBeLessThan(1e-5);
      const blurred = r.blurred.dataSync();
      expect(relErr(blurred.subarray(64 * 64), arr('output.p2.amap_blur'))).toBeLessThan(1e-4);
      tf.dispose([...fs, ...ft, r.amap, r.blurred, r.score]);
    });
  });
}
