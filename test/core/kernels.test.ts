import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { runKernelChecks } from '../../src/core/kernels/checks';
import { cosineDistanceMap } from '../../src/core/kernels/cosine-distance';
import { separableBlurWebGPU } from '../../src/core/kernels/gaussian-blur';
import { addRelu } from '../../src/core/kernels/add-relu';
import { evalBatchNorm } from '../../src/core/kernels/eval-batchnorm';
import { l2NormalizeLast } from '../../src/core/kernels/l2-normalize';
import { topkMean, topkValues } from '../../src/core/kernels/top-k';
import { countDispatches, fusedBackend } from '../../src/core/kernels/webgpu';
import { cosineTorch } from '../../src/core/losses/kd';
import { gaussianKernel1d } from '../../src/core/scoring/anomaly-map';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';

// The WGSL programs themselves run only in the browser (e2e/kernels.spec.ts and the anomaly_map
// goldens of e2e/parity.spec.ts on SwiftShader). Here: the composite fallback the kernels replace.
for (const backend of NODE_BACKENDS) {
  describe(`custom kernels off WebGPU (${backend})`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    it('falls back to the composite path', () => {
      expect(fusedBackend()).toBeNull();
      const m = tf.zeros([1, 4, 4]) as tf.Tensor3D;
      expect(separableBlurWebGPU(m, gaussianKernel1d(1))).toBeNull();
      m.dispose();
      return expect(countDispatches(async () => {})).resolves.toBeNull();
    });

    it('cosineDistanceMap is 1 − cos over channels, eps-safe for zero vectors', async () => {
      const a = tf.randomNormal([2, 3, 5, 7], 0, 1, 'float32', 1) as tf.Tensor4D;
      const b = tf.tidy(() =>
        tf.concat([tf.zeros([1, 3, 5, 7]), tf.randomNormal([1, 3, 5, 7], 0, 1, 'float32', 2)]),
      ) as tf.Tensor4D;
      const ours = cosineDistanceMap(a, b);
      const ref = tf.tidy(() => tf.sub(1, cosineTorch(a, b, 3)));
      expect(ours.shape).toEqual([2, 3, 5]);
      expect(Array.from(await ours.data())).toEqual(Array.from(await ref.data()));
      expect(Array.from((await ours.data()).subarray(0, 15))).toEqual(new Array(15).fill(1));
      tf.dispose([a, b, ours, ref]);
    });

    it('top-k values and means, eval BatchNorm and the residual end match their definitions', async () => {
      const x = tf.tensor2d([3, -1, 7, 7, 0, 2, -5, 4, 4, 1], [2, 5]);
      expect(Array.from(await topkValues(x, 3).data())).toEqual([7, 7, 3, 4, 4, 2]);
      expect(Array.from(await topkMean(x, 2).data())).toEqual([7, 4]);
      expect(() => topkValues(x, 6)).toThrow(/k=6/);
      expect(() => topkMean(x, 0)).toThrow(/k=0/);

      const v = tf.tensor4d([1, -2, 3, 0.5], [1, 2, 1, 2]);
      const stats = {
        weight: tf.tensor1d([2, -1]),
        bias: tf.tensor1d([0.5, 1]),
        mean: tf.tensor1d([1, 0]),
        variance: tf.tensor1d([3, 0]),
      };
      const shortcut = tf.tensor4d([-10, 1, 0, 0], [1, 2, 1, 2]);
      const eps = 1e-5;
      // (x − mean) · γ / √(var + eps) + β + shortcut, then ReLU: by hand.
      const s0 = 2 / Math.sqrt(3 + eps);
      const s1 = -1 / Math.sqrt(eps);
      const expected = [(1 - 1) * s0 + 0.5 - 10, -2 * s1 + 1 + 1, (3 - 1) * s0 + 0.5, 0.5 * s1 + 1].map((y) =>
        Math.max(y, 0),
      );
      const y = evalBatchNorm(v, stats, eps, { relu: true, residual: shortcut });
      const got = Array.from(await y.data());
      got.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 2));
      expect(() => evalBatchNorm(v, stats, eps, { residual: tf.zeros([1, 1, 1, 2]) as tf.Tensor4D })).toThrow(
        /shortcut/,
      );
      expect(Array.from(await addRelu(v, shortcut).data())).toEqual([0, 0, 3, 0.5]);
      // Channels in fours: WASM's SIMD loop.
      const [a4, b4] = [tf.range(-8, 8).reshape([1, 2, 2, 4]), tf.range(4, -4, -0.5).reshape([1, 2, 2, 4])];
      const sum4 = addRelu(a4, b4);
      const want4 = tf.tidy(() => tf.relu(tf.add(a4, b4)));
      expect(Array.from(await sum4.data())).toEqual(Array.from(await want4.data()));
      tf.dispose([a4, b4, sum4, want4]);
      const n = l2NormalizeLast(tf.tensor2d([3, 4, 0, 0], [2, 2]));
      expect(Array.from(await n.data())).toEqual(Array.from(Float32Array.of(0.6, 0.8, 0, 0)));
      tf.dispose([x, v, shortcut, y, n, ...Object.values(stats)]);
    });

    it('the worker kernel checks report and pass', async () => {
      const before = tf.memory().numTensors;
      const reports = await runKernelChecks();
      expect(reports.length).toBe(41);
      expect(reports[0].check).toBe('custom kernels active: false');
      expect(reports.every((r) => r.pass && r.backend === backend)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
