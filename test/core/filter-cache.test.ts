import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  clearFilterCache,
  FILTER_CACHE_FLAG,
  filterCacheSize,
  freeDisposedFilters,
  withFilterCache,
} from '../../src/core/kernels/filter-cache';
import { conv2d } from '../../src/core/nn/conv';
import { convTranspose2x2 } from '../../src/core/nn/conv-transpose';
import { takesWinograd } from '../../src/core/nn/winograd';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';

// Winograd's filter planes (and the transposed upsampling filters) kept between inference calls: the same values as made afresh, never
// kept under a tape, never served for a weight that has changed, and within the budget.
const X: [number, number, number, number] = [1, 16, 16, 64];
const W: [number, number, number, number] = [3, 3, 64, 64];
const PLANES = 16 * 64 * 64;

for (const backend of NODE_BACKENDS) {
  describe(`filter cache (${backend})`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      expect(takesWinograd(X, W, 1, 1)).toBe(true);
    });
    afterEach(() => {
      clearFilterCache();
      tf.env().set(FILTER_CACHE_FLAG, 2 ** 24);
    });

    it('keeps the planes of an inference call and gives the same output again', async () => {
      const x = tf.randomNormal(X, 0, 1, 'float32', 1) as tf.Tensor4D;
      const init = tf.randomNormal(W, 0, 0.05, 'float32', 2);
      const w = tf.variable(init) as tf.Variable<tf.Rank.R4>;
      init.dispose(); // the variable holds the only reference, as the trainer's weights do
      const before = tf.memory().numTensors;
      const outside = conv2d(x, w, 1, 1);
      expect(filterCacheSize().entries).toBe(0);
      const first = withFilterCache(() => conv2d(x, w, 1, 1));
      expect(filterCacheSize()).toEqual({ entries: 1, floats: PLANES, tensors: 16 });
      const second = withFilterCache(() => conv2d(x, w, 1, 1));
      expect(filterCacheSize().entries).toBe(1);
      expect(Array.from(await second.data())).toEqual(Array.from(await first.data()));
      expect(Array.from(await first.data())).toEqual(Array.from(await outside.data()));
      // The outputs and the one kept entry's planes (16 tensors on CPU/WASM) are all that remain.
      expect(tf.memory().numTensors).toBe(before + 3 + 16);

      // A new value of the weight: a new entry, the old one freed, the output of the new weight.
      const next = tf.mul(w, -1) as tf.Tensor4D;
      w.assign(next);
      next.dispose();
      const third = withFilterCache(() => conv2d(x, w, 1, 1));
      expect(filterCacheSize()).toEqual({ entries: 1, floats: PLANES, tensors: 16 });
      const direct = tf.conv2d(x, w, 1, 1);
      const err = tf.max(tf.abs(tf.sub(third, direct))).dataSync()[0];
      expect(err).toBeLessThan(1e-4);
      tf.dispose([x, w, outside, first, second, third, direct]);
    });

    it('frees the planes of a disposed weight at once when asked, and keeps those of a live one', () => {
      const x = tf.randomNormal(X, 0, 1, 'float32', 3) as tf.Tensor4D;
      // Each variable holds the only reference to its values, as a model's weights do.
      const weight = (seed: number): tf.Variable<tf.Rank.R4> => {
        const init = tf.randomNormal(W, 0, 0.05, 'float32', seed);
        const v = tf.variable(init) as tf.Variable<tf.Rank.R4>;
        init.dispose();
        return v;
      };
      const gone = weight(4);
      const live = weight(5);
      const before = tf.memory().numTensors;
      const ys = withFilterCache(() => [conv2d(x, gone, 1, 1), conv2d(x, live, 1, 1)]);
      expect(filterCacheSize().entries).toBe(2);
      // A replaced model: its weights disposed, their planes still held until the next miss ...
      gone.dispose();
      expect(filterCacheSize().entries).toBe(2);
      // ... or until the worker, having disposed it, asks.
      freeDisposedFilters();
      expect(filterCacheSize()).toEqual({ entries: 1, floats: PLANES, tensors: 16 });
      expect(tf.memory().numTensors).toBe(before - 1 + 2 + 16);
      tf.dispose([x, live, ...ys]);
    });

    it('is emptied by a training step, which keeps nothing; keeps nothing past its budget', () => {
      const x = tf.randomNormal(X, 0, 1, 'float32', 3) as tf.Tensor4D;
      const w = tf.randomNormal(W, 0, 0.05, 'float32', 4) as tf.Tensor4D;
      const kept = withFilterCache(() => conv2d(x, w, 1, 1));
      expect(filterCacheSize().entries).toBe(1);
      // A training step empties the cache and keeps nothing.
      const g = tf.grad((a: tf.Tensor) => tf.sum(conv2d(a as tf.Tensor4D, w, 1, 1)))(x);
      expect(filterCacheSize()).toEqual({ entries: 0, floats: 0, tensors: 0 });
      tf.env().set(FILTER_CACHE_FLAG, PLANES - 1);
      const y = withFilterCache(() => conv2d(x, w, 1, 1));
      expect(filterCacheSize().entries).toBe(0);
      tf.dispose([x, w, kept, g, y]);
    });

    it('upsamples few rows by the kept transposed filter, with the values of the definition', async () => {
      // Rows 2·3·5 = 30; a filter wider than the input rows: the transposed path on WASM and CPU.
      const [n, h, wd, cin, cout] = [2, 3, 5, 8, 12];
      const x = tf.randomNormal([n, h, wd, cin], 0, 1, 'float32', 5) as tf.Tensor4D;
      const w = tf.randomNormal([cin, 2, 2, cout], 0, 0.5, 'float32', 6) as tf.Tensor4D;
      const [xv, wv] = [x.dataSync(), w.dataSync()];
      // out[n, 2i+a, 2j+b, o] = Σ_c x[n,i,j,c]·W[c,a,b,o]
      const want = new Float32Array(n * 2 * h * 2 * wd * cout);
      for (let b = 0; b < n; b++)
        for (let i = 0; i < 2 * h; i++)
          for (let j = 0; j < 2 * wd; j++)
            for (let o = 0; o < cout; o++) {
              let sum = 0;
              for (let c = 0; c < cin; c++)
                sum +=
                  xv[((b * h + (i >> 1)) * wd + (j >> 1)) * cin + c] *
                  wv[((c * 2 + (i & 1)) * 2 + (j & 1)) * cout + o];
              want[((b * 2 * h + i) * 2 * wd + j) * cout + o] = sum;
            }
      const outside = convTranspose2x2(x, w);
      expect(filterCacheSize().entries).toBe(0);
      const first = withFilterCache(() => convTranspose2x2(x, w));
      expect(filterCacheSize()).toEqual({ entries: 1, floats: w.size, tensors: 1 });
      const second = withFilterCache(() => convTranspose2x2(x, w));
      expect(filterCacheSize().entries).toBe(1);
      for (const y of [outside, first, second]) {
        expect(y.shape).toEqual([n, 2 * h, 2 * wd, cout]);
        const got = await y.data();
        expect(Math.max(...got.map((v, k) => Math.abs(v - want[k])))).toBeLessThan(1e-5);
      }
      // A training step's upsampling empties the cache.
      const g = tf.grad((a: tf.Tensor) => tf.sum(convTranspose2x2(a as tf.Tensor4D, w)))(x);
      expect(filterCacheSize()).toEqual({ entries: 0, floats: 0, tensors: 0 });
      tf.dispose([x, w, outside, first, second, g]);
    });
  });
}
