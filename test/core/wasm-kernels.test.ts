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

describe('WASM Slice reads its input in place (src/core/kernels/wasm.ts)', () => {
  it('equals the CPU backend for slices of every rank, dtype and contiguity', async () => {
    const cases: { shape: number[]; begin: number[]; size: number[]; dtype: 'float32' | 'int32' | 'bool' }[] =
      [
        { shape: [7], begin: [2], size: [4], dtype: 'float32' },
        { shape: [5, 6], begin: [1, 2], size: [3, 3], dtype: 'int32' },
        { shape: [3, 3, 40, 24], begin: [0, 0, 16, 0], size: [3, 3, 20, 24], dtype: 'float32' }, // a filter's Cin
        { shape: [3, 3, 40, 24], begin: [0, 0, 0, 8], size: [3, 3, 40, 9], dtype: 'float32' }, // its Cout
        { shape: [6, 2, 9, 9], begin: [0, 0, 1, 2], size: [6, 2, 7, 7], dtype: 'float32' }, // a shifted view
        { shape: [2, 3, 4, 5, 6], begin: [1, 0, 1, 0, 0], size: [1, 3, 2, 5, 6], dtype: 'bool' },
        { shape: [4, 4], begin: [0, 0], size: [4, 4], dtype: 'float32' }, // whole
        { shape: [4, 4], begin: [1, 1], size: [0, 2], dtype: 'float32' }, // empty
      ];
    const results: Record<string, unknown[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      results[backend] = cases.map(({ shape, begin, size, dtype }) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values =
          dtype === 'bool'
            ? Array.from({ length: n }, (_, i) => i % 3 === 0)
            : Array.from({ length: n }, (_, i) => (i * 7) % 101);
        return tf.tidy(() => tf.slice(tf.tensor(values, shape, dtype), begin, size).arraySync());
      });
    }
    expect(results.wasm).toEqual(results.cpu);
  });
});
