import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchNorm, RELU } from '../../src/core/nn/batchnorm';
import { conv2d } from '../../src/core/nn/conv';
import { foldBatchNorm, frozenConv } from '../../src/core/nn/frozen-conv';
import { EVAL, ParamStore, Scope } from '../../src/core/nn/params';
import { takesWinograd } from '../../src/core/nn/winograd';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { relErr } from '../helpers/golden';

/**
 * A convolution with its BatchNorm folded in (the teachers' form) against the two run apart, as the
 * trained networks run them in eval mode: the direct, fused and Winograd paths, with and without
 * ReLU and a convolution bias.
 */
describe.each(NODE_BACKENDS)('foldBatchNorm + frozenConv (%s)', (backend) => {
  const cases: {
    x: [number, number, number, number];
    k: number;
    cout: number;
    stride: number;
    pad: number;
  }[] = [
    { x: [2, 9, 7, 5], k: 3, cout: 6, stride: 1, pad: 1 },
    { x: [1, 18, 18, 64], k: 3, cout: 64, stride: 1, pad: 1 },
    { x: [2, 10, 10, 8], k: 3, cout: 12, stride: 2, pad: 1 },
    { x: [1, 8, 8, 16], k: 1, cout: 32, stride: 2, pad: 0 },
    { x: [1, 20, 20, 3], k: 7, cout: 8, stride: 2, pad: 3 },
  ];

  it.each(cases)('x $x, $k×$k/$stride to $cout channels', async ({ x: shape, k, cout, stride, pad }) => {
    await useBackend(backend);
    if (shape[3] === 64) expect(takesWinograd(shape, [k, k, 64, cout], stride, pad)).toBe(true);
    const cin = shape[3];
    const store = new ParamStore();
    const s = new Scope(store, 'bn');
    store.addParam('bn.weight', tf.randomUniform([cout], 0.5, 1.5, 'float32', 1));
    store.addParam('bn.bias', tf.randomNormal([cout], 0, 0.5, 'float32', 2));
    store.addParam('bn.running_mean', tf.randomNormal([cout], 0, 0.5, 'float32', 3), false);
    store.addParam('bn.running_var', tf.randomUniform([cout], 0.5, 2, 'float32', 4), false);
    const x = tf.randomNormal(shape, 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, cin, cout], 0, 1 / Math.sqrt(k * k * cin), 'float32', 6) as tf.Tensor4D;
    const b = tf.randomNormal([cout], 0, 0.1, 'float32', 7) as tf.Tensor1D;
    const bn = {
      gamma: s.get('weight') as tf.Tensor1D,
      beta: s.get('bias') as tf.Tensor1D,
      mean: s.get('running_mean') as tf.Tensor1D,
      variance: s.get('running_var') as tf.Tensor1D,
      eps: 1e-5,
    };
    for (const bias of [undefined, b]) {
      for (const relu of [false, true]) {
        const before = tf.memory().numTensors;
        const folded = foldBatchNorm(w, bn, bias);
        const ours = frozenConv(x, folded.filter, folded.bias, stride, pad, relu ? 'relu' : 'linear');
        tf.dispose([folded.filter, folded.bias]);
        expect(tf.memory().numTensors, 'only the output is left').toBe(before + 1);
        const apart = tf.tidy(() => {
          const y = conv2d(x, w, stride, pad, bias);
          return batchNorm(s, y, EVAL, relu ? RELU : {});
        });
        expect(ours.shape).toEqual(apart.shape);
        expect(relErr(await ours.data(), await apart.data()), `bias ${!!bias} relu ${relu}`).toBeLessThan(
          1e-5,
        );
        tf.dispose([ours, apart]);
      }
    }
    tf.dispose([x, w, b]);
    store.dispose();
  });
});
