import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { runKernelChecks } from '../../src/core/kernels/checks';
import { cosineDistanceMap } from '../../src/core/kernels/cosine-distance';
import { separableBlurWebGPU } from '../../src/core/kernels/gaussian-blur';
import { fusedBackend } from '../../src/core/kernels/webgpu';
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

    it('the worker kernel checks report and pass', async () => {
      const before = tf.memory().numTensors;
      const reports = await runKernelChecks();
      expect(reports.length).toBe(19);
      expect(reports[0].check).toBe('custom kernels active: false');
      expect(reports.every((r) => r.pass && r.backend === backend)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
