import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../../src/core/nn/conv';
import { useBackend as selectBackend } from '../helpers/backends';

interface RefCounts {
  refCount(dataId: tf.DataId): number;
}

describe('WASM Identity and Cast share storage (src/core/kernels/wasm.ts)', () => {
  it('clones and same-dtype casts point at the same buffer, and outlive the original', async () => {
    await selectBackend('wasm');
    const backend = tf.backend() as unknown as RefCounts;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    const z = tf.cast(x, 'float32');
    expect(y.dataId).toBe(x.dataId);
    expect(z.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(3);
    x.dispose();
    z.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    y.dispose();
  });

  it('still converts across dtypes and copies strings', async () => {
    await selectBackend('wasm');
    const i = tf.tensor1d([1, 2, 3], 'int32');
    const f = tf.cast(i, 'float32');
    expect(f.dtype).toBe('float32');
    expect(f.dataId).not.toBe(i.dataId);
    expect(Array.from(await f.data())).toEqual([1, 2, 3]);
    const s = tf.clone(tf.tensor1d(['a', 'b'], 'string'));
    expect(await s.array()).toEqual(['a', 'b']);
  });

  it('training gradients are unchanged: conv stack on WASM equals the CPU backend', async () => {
    const grads: Record<string, Float32Array[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      grads[backend] = tf.tidy(() => {
        const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        const w1 = tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 2) as tf.Tensor4D;
        const w2 = tf.randomNormal([1, 1, 4, 5], 0, 0.3, 'float32', 3) as tf.Tensor4D;
        const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
          tf.sum(tf.square(conv2d(tf.relu(conv2d(x, a as tf.Tensor4D, 2, 1)), b as tf.Tensor4D)));
        return tf
          .grads(f)([w1, w2])
          .map((g) => g.dataSync() as Float32Array);
      });
    }
    const { cpu, wasm } = grads;
    cpu.forEach((g, i) => {
      const err = Math.max(...g.map((v, j) => Math.abs(v - wasm[i][j])));
      expect(err).toBeLessThan(1e-3 * Math.max(1, ...g.map(Math.abs)));
    });
  });
});
