import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { asBlockSwap } from '../../src/core/kernels/wasm';
import { scaleShift } from '../../src/core/kernels/scale-shift';
import { simdReady } from '../../src/core/kernels/simd';
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

describe('WASM Slice of the whole tensor shares its storage (src/core/kernels/wasm.ts)', () => {
  it('points at the same buffer and outlives the original', async () => {
    await selectBackend('wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.slice(x, [0, 0], [2, 3]);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(await y.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    y.dispose();
  });
});

describe('WASM Transpose as a tiled block swap (src/core/kernels/wasm.ts)', () => {
  it('reads every permutation as a swap of two blocks, or as none', () => {
    expect(asBlockSwap([8, 64, 64, 256], [3, 0, 1, 2])).toEqual({
      outer: 1,
      a: 8 * 64 * 64,
      b: 256,
      inner: 1,
    });
    expect(asBlockSwap([3, 3, 1024, 256], [0, 1, 3, 2])).toEqual({ outer: 9, a: 1024, b: 256, inner: 1 });
    expect(asBlockSwap([4, 5, 6], [1, 0, 2])).toEqual({ outer: 1, a: 4, b: 5, inner: 6 });
    // Dimensions of size 1 move nothing: [2,1,3] → [3,2,1] is [2,3] → [3,2].
    expect(asBlockSwap([2, 1, 3], [2, 0, 1])).toEqual({ outer: 1, a: 2, b: 3, inner: 1 });
    expect(asBlockSwap([2, 3, 1], [0, 2, 1])).toEqual({ outer: 1, a: 1, b: 1, inner: 6 });
    expect(asBlockSwap([2, 3, 4], [2, 1, 0])).toBeNull();
    expect(asBlockSwap([2, 3, 4, 5], [1, 3, 0, 2])).toBeNull();
  });

  it('equals the CPU backend for every permutation of ranks 1–5 and all dtypes (4×4 blocks in SIMD)', async () => {
    const permutations = (n: number): number[][] =>
      n === 0
        ? [[]]
        : permutations(n - 1).flatMap((p) =>
            Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
          );
    const cases: { shape: number[]; perm: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [];
    // Sides in fours swap in simd.wat's 4×4 blocks ([8,36], [2,44,12], the filter's 40 × 140).
    const shapes = [
      [7],
      [5, 3],
      [4, 1, 6],
      [3, 4, 2, 5],
      [2, 3, 1, 4, 3],
      [130, 70],
      [8, 36],
      [2, 44, 12],
      [3, 3, 40, 140],
    ];
    shapes.forEach((shape, s) =>
      permutations(shape.length).forEach((perm, i) =>
        cases.push({ shape, perm, dtype: (['float32', 'int32', 'bool'] as const)[(s + i) % 3] }),
      ),
    );
    const results: Record<string, unknown[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      if (backend === 'wasm') expect(simdReady(tf.backend())).toBe(true);
      results[backend] = cases.map(({ shape, perm, dtype }) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const values =
          dtype === 'bool'
            ? Array.from({ length: n }, (_, i) => i % 3 === 0)
            : Array.from({ length: n }, (_, i) => (i * 7) % 1009);
        return tf.tidy(() => tf.transpose(tf.tensor(values, shape, dtype), perm).arraySync());
      });
    }
    expect(results.wasm).toEqual(results.cpu);
  });
});

describe('ScaleShift (src/core/kernels/scale-shift.ts)', () => {
  it('equals TF.js ops on CPU and WASM, with and without ReLU and residual, channels in fours or not, gradients too', async () => {
    const shapes = [
      [2, 5, 3, 8],
      [3, 7, 6],
      [4, 1],
    ];
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      if (backend === 'wasm') expect(simdReady(tf.backend())).toBe(true);
      for (const [i, shape] of shapes.entries()) {
        for (const [relu, withResidual] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ]) {
          const c = shape[shape.length - 1];
          const x = tf.randomNormal(shape, 0, 1, 'float32', i);
          const scale = tf.randomNormal([c], 0, 1, 'float32', 10 + i) as tf.Tensor1D;
          const shift = tf.randomNormal([c], 0, 1, 'float32', 20 + i) as tf.Tensor1D;
          const residual = tf.randomNormal(shape, 0, 1, 'float32', 40 + i);
          const weights = tf.randomNormal(shape, 0, 1, 'float32', 30 + i);
          type Op = (a: tf.Tensor, s: tf.Tensor, b: tf.Tensor, r?: tf.Tensor) => tf.Tensor;
          const composite: Op = (a, s, b, r) => {
            const affine = tf.add(tf.mul(a, s), b);
            const y = r ? tf.add(affine, r) : affine;
            return relu ? tf.relu(y) : y;
          };
          const fused: Op = (a, s, b, r) => scaleShift(a, s as tf.Tensor1D, b as tf.Tensor1D, relu, r);
          const loss =
            (f: Op) =>
            (...t: tf.Tensor[]) =>
              tf.sum(tf.mul(f(t[0], t[1], t[2], t[3]), weights));
          const inputs = withResidual ? [x, scale, shift, residual] : [x, scale, shift];
          const names = ['value', 'dx', 'dscale', 'dshift', 'dresidual'].slice(0, inputs.length + 1);
          const [x0, s0, b0, r0] = inputs;
          const before = tf.memory().numTensors;
          const ours = [fused(x0, s0, b0, r0), ...tf.grads(loss(fused))(inputs)];
          const kept = tf.memory().numTensors - before;
          expect(kept, `${backend}: a value and ${inputs.length} gradients, no more`).toBe(inputs.length + 1);
          const refs = [composite(x0, s0, b0, r0), ...tf.grads(loss(composite))(inputs)];
          for (const [k, name] of names.entries()) {
            const label = `${backend} [${shape}] relu ${relu} residual ${withResidual} ${name}`;
            expect(ours[k].shape, label).toEqual(refs[k].shape);
            const [got, want] = [await ours[k].data(), await refs[k].data()];
            expect(Math.max(...got.map((v, j) => Math.abs(v - want[j]))), label).toBeLessThan(1e-5);
          }
          tf.dispose([...ours, ...refs]);
          tf.dispose([x, scale, shift, residual, weights]);
        }
      }
    }
  });
});
