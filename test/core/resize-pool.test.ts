import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { resizeBilinearAlignCorners, upsample2xAlignCorners } from '../../src/core/nn/resize';
import { maxPool2x2 } from '../../src/core/nn/pool';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('bilinear resize with align_corners (matmul form)', () => {
  it('upsample x2 matches tf.image.resizeBilinear(alignCorners=true)', async () => {
    await tf.setBackend('cpu');
    for (const [h, w] of [
      [4, 4],
      [5, 3],
      [1, 2],
    ]) {
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', h * 10 + w) as tf.Tensor4D;
      const ours = upsample2xAlignCorners(x);
      const ref = tf.image.resizeBilinear(x, [2 * h, 2 * w], true);
      expect(ours.shape).toEqual([2, 2 * h, 2 * w, 3]);
      expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5);
      tf.dispose([x, ours, ref]);
    }
  });

  it('general sizes match too, and corners are copied exactly', async () => {
    await tf.setBackend('cpu');
    const x = tf.randomNormal([1, 4, 6, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
    const ours = resizeBilinearAlignCorners(x, 13, 5);
    const ref = tf.image.resizeBilinear(x, [13, 5], true);
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5);
    const xd = x.arraySync();
    const od = ours.arraySync();
    expect(od[0][12][4][1]).toBe(xd[0][3][5][1]);
    expect(od[0][0][0][0]).toBe(xd[0][0][0][0]);
    tf.dispose([x, ours, ref]);
  });

  it('has the native gradient on square maps, and the adjoint gradient on non-square ones', async () => {
    await tf.setBackend('cpu');
    // TF.js 4.22's CPU ResizeBilinearGrad mixes up H and W on non-square inputs, so compare with it
    // only where H = W; elsewhere check <up(x), dy> = <x, grad> (the op is linear).
    const xs = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const dys = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 4);
    const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsample2xAlignCorners(t as tf.Tensor4D), dys)))(xs);
    const g2 = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, [8, 8], true), dys)),
    )(xs);
    expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-5);
    const x = tf.randomNormal([2, 3, 5, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 7, 4, 2], 0, 1, 'float32', 6);
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(resizeBilinearAlignCorners(t as tf.Tensor4D, 7, 4), dy)),
    )(x);
    const lhs = tf.sum(tf.mul(resizeBilinearAlignCorners(x, 7, 4), dy)).dataSync()[0];
    const rhs = tf.sum(tf.mul(x, g)).dataSync()[0];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
    expect(g.shape).toEqual(x.shape);
  });
});

describe('maxPool2x2', () => {
  it('matches tf.maxPool (2x2, stride 2, valid) on even and odd sizes', async () => {
    await tf.setBackend('cpu');
    for (const [h, w] of [
      [4, 6],
      [5, 7],
      [3, 2],
    ]) {
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', h + w) as tf.Tensor4D;
      const ref = tf.maxPool(x, 2, 2, 'valid');
      // Under a tape the pool is built from slices; off it, it is TF.js's pool.
      let ours: tf.Tensor | null = null;
      const dy = tf.randomNormal(ref.shape, 0, 1, 'float32', 9);
      const g1 = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul((ours = tf.keep(maxPool2x2(t as tf.Tensor4D))), dy)),
      )(x);
      expect(ours!.shape).toEqual(ref.shape);
      expect(maxAbsDiff(ours!, ref)).toBe(0);
      const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), dy)))(
        x,
      );
      expect(maxAbsDiff(g1, g2)).toBe(0);
      tf.dispose([x, ours!, ref, dy, g1, g2]);
    }
  });

  it('sends the gradient of a tie to the first element in row-major window order (as PyTorch)', async () => {
    await tf.setBackend('cpu');
    // One window [[0, 1], [1, 1]]: PyTorch's argmax is (0,1).
    const x = tf.tensor4d([0, 1, 1, 1], [1, 2, 2, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(maxPool2x2(t as tf.Tensor4D)))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 0, 0]);
  });
});
