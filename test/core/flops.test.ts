import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  countFlops,
  kernelFlops,
  macThroughput,
  opProfile,
  type TimedKernel,
} from '../../src/core/perf/flops';
import { useBackend, NODE_BACKENDS } from '../helpers/backends';

// Hand counts (2 FLOPs per multiply-accumulate) of the tiny net below:
// conv 3x3, 3->4 channels, stride 1, 'same', on [2,8,8,3]: out 2*8*8*4 = 512 values, 3*3*3 = 27 MACs each.
const CONV = 2 * 512 * 27; // 27648
// depthwise 3x3 on [2,8,8,4], stride 2, 'same': out [2,4,4,4] = 128 values, 9 MACs each.
const DEPTHWISE = 2 * 128 * 9; // 2304
// matmul [2*4*4, 4] x [4, 5]: 32*5 outputs, 4 MACs each.
const MATMUL = 2 * 32 * 5 * 4; // 1280
// batched matmul with transposed B: [3,6,7] x [3,2,7]^T: 3*6*2 outputs, 7 MACs each.
const BMM_T = 2 * 3 * 6 * 2 * 7; // 504

function tinyNet(x: tf.Tensor4D, w: tf.Tensor4D, dw: tf.Tensor4D, m: tf.Tensor2D): tf.Tensor {
  const c = tf.conv2d(x, w, 1, 'same');
  const d = tf.depthwiseConv2d(tf.relu(c), dw, 2, 'same');
  return tf.matMul(tf.reshape(d, [32, 4]), m);
}

describe('FLOP counter', () => {
  it('counts 2·MAC from kernel shapes for every MAC kernel kind', () => {
    expect(
      kernelFlops({
        name: 'Conv2D',
        inputShapes: [
          [2, 8, 8, 3],
          [3, 3, 3, 4],
        ],
        outputShapes: [[2, 8, 8, 4]],
      }),
    ).toBe(CONV);
    // The fused form carries a bias input; the count only depends on x, filter and y.
    expect(
      kernelFlops({
        name: 'FusedConv2D',
        inputShapes: [[2, 8, 8, 3], [3, 3, 3, 4], [4], null],
        outputShapes: [[2, 8, 8, 4]],
      }),
    ).toBe(CONV);
    // Input gradient (and conv-transpose): inputs {dy, filter}, same work as the forward conv.
    expect(
      kernelFlops({
        name: 'Conv2DBackpropInput',
        inputShapes: [
          [2, 8, 8, 4],
          [3, 3, 3, 4],
        ],
        outputShapes: [[2, 8, 8, 3]],
      }),
    ).toBe(CONV);
    // Filter gradient: inputs {x, dy}, output the filter.
    expect(
      kernelFlops({
        name: 'Conv2DBackpropFilter',
        inputShapes: [
          [2, 8, 8, 3],
          [2, 8, 8, 4],
        ],
        outputShapes: [[3, 3, 3, 4]],
      }),
    ).toBe(CONV);
    expect(
      kernelFlops({
        name: 'DepthwiseConv2dNative',
        inputShapes: [
          [2, 8, 8, 4],
          [3, 3, 4, 1],
        ],
        outputShapes: [[2, 4, 4, 4]],
      }),
    ).toBe(DEPTHWISE);
    expect(
      kernelFlops({
        name: 'BatchMatMul',
        inputShapes: [
          [32, 4],
          [4, 5],
        ],
        outputShapes: [[32, 5]],
      }),
    ).toBe(MATMUL);
    // Transposed A ([K,M]) gives the same K.
    expect(
      kernelFlops({
        name: 'BatchMatMul',
        inputShapes: [
          [4, 32],
          [4, 5],
        ],
        outputShapes: [[32, 5]],
      }),
    ).toBe(MATMUL);
    expect(
      kernelFlops({
        name: 'BatchMatMul',
        inputShapes: [
          [3, 6, 7],
          [3, 2, 7],
        ],
        outputShapes: [[3, 6, 2]],
      }),
    ).toBe(BMM_T);
    expect(
      kernelFlops({
        name: 'Add',
        inputShapes: [
          [32, 5],
          [32, 5],
        ],
        outputShapes: [[32, 5]],
      }),
    ).toBe(0);
  });

  for (const backend of NODE_BACKENDS) {
    it(`counts what tf.profile recorded for a tiny conv / depthwise / matmul net (${backend})`, async () => {
      await useBackend(backend);
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const dw = tf.randomNormal([3, 3, 4, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const m = tf.randomNormal([4, 5], 0, 1, 'float32', 4) as tf.Tensor2D;
      const a = tf.randomNormal([3, 6, 7], 0, 1, 'float32', 5) as tf.Tensor3D;
      const b = tf.randomNormal([3, 2, 7], 0, 1, 'float32', 6) as tf.Tensor3D;
      try {
        const info = await tf.profile(() => {
          const y = tinyNet(x, w, dw, m);
          const z = tf.matMul(a, b, false, true);
          return [y, z];
        });
        const kernels = info.kernels as unknown as TimedKernel[];
        const count = countFlops(kernels);
        expect(count.byKernel.Conv2D).toEqual({ calls: 1, flops: CONV });
        expect(count.byKernel.DepthwiseConv2dNative).toEqual({ calls: 1, flops: DEPTHWISE });
        expect(count.byKernel.BatchMatMul).toEqual({ calls: 2, flops: MATMUL + BMM_T });
        expect(count.total).toBe(CONV + DEPTHWISE + MATMUL + BMM_T);

        const rows = opProfile(kernels);
        expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['Conv2D', 'BatchMatMul', 'Relu']));
        expect(rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(rows.some((r) => r.ms > 0) ? 1 : 0, 6);
        expect(rows.find((r) => r.name === 'Relu')!.flops).toBe(0);
        expect(opProfile(kernels, 2)).toHaveLength(2);
        // Only the conv is at least CONV FLOPs.
        const heavy = macThroughput(kernels, CONV);
        expect(heavy.calls).toBe(1);
        expect(heavy.flops).toBe(CONV);
        tf.dispose(info.result as tf.Tensor[]);
      } finally {
        tf.dispose([x, w, dw, m, a, b]);
      }
    });
  }

  it('counts the backward pass from the gradient kernels (cpu)', async () => {
    await useBackend('cpu');
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    try {
      const info = await tf.profile(() => {
        const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same')),
        )([x, w]);
        return g;
      });
      const count = countFlops(info.kernels as unknown as TimedKernel[]);
      // Forward, input gradient and filter gradient each cost the forward conv's MACs.
      expect(count.byKernel.Conv2D.flops).toBe(CONV);
      expect(count.byKernel.Conv2DBackpropInput.flops).toBe(CONV);
      expect(count.byKernel.Conv2DBackpropFilter.flops).toBe(CONV);
      expect(count.total).toBe(3 * CONV);
      tf.dispose(info.result as tf.Tensor[]);
    } finally {
      tf.dispose([x, w]);
    }
  });
});
