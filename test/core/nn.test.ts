import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchNorm } from '../../src/core/nn/batchnorm';
import { setFusedKernels } from '../../src/core/kernels/webgpu';
import { conv2d, convTuning, filterGrad, inputGrad, withTransientFilters } from '../../src/core/nn/conv';
import { takesWinograd, winogradTuning } from '../../src/core/nn/winograd';
import { simdReady } from '../../src/core/kernels/simd';
import { ParamStore, Scope, TRAIN } from '../../src/core/nn/params';
import { batchMatMul, matMul, product } from '../../src/core/nn/matmul';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { yieldToEventLoop } from '../helpers/event-loop';

describe('conv filter gradient (the WASM path)', () => {
  it('matches TF.js native Conv2DBackpropFilter for stride 1 and 2 with padding', async () => {
    await tf.setBackend('cpu');
    for (const [k, stride, pad] of [
      [3, 1, 1],
      [3, 2, 1],
      [1, 2, 0],
      [7, 2, 3],
    ]) {
      const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const y = tf.conv2d(x, w, stride, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
      const native = tf.grad((wi: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x, wi as tf.Tensor4D, stride, pad), dy)),
      )(w);
      const ours = filterGrad(x, dy, [k, k, 3, 4], stride, pad);
      const diff = tf.max(tf.abs(tf.sub(native, ours))).dataSync()[0];
      expect(diff).toBeLessThan(1e-4);
    }
  });

  it.each(NODE_BACKENDS)(
    'input gradient matches TF.js native Conv2DBackpropInput, odd sizes and strides included (%s)',
    async (backend) => {
      // WASM has Conv2DBackpropInput, so ours is checked against it there too (it is what ours replaces).
      await useBackend(backend);
      for (const [size, k, stride, pad] of [
        [9, 3, 1, 1],
        [9, 3, 2, 1],
        [8, 3, 2, 1],
        [9, 1, 2, 0],
        [10, 7, 2, 3],
        [6, 1, 1, 0],
      ]) {
        const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
        const y = tf.conv2d(x, w, stride, pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
        const native = tf.grad((xi: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, w, stride, pad), dy)),
        )(x);
        const ours = inputGrad(dy, w, x.shape, stride, pad);
        expect(ours.shape).toEqual(x.shape);
        const diff = tf.max(tf.abs(tf.sub(native, ours))).dataSync()[0];
        expect(diff).toBeLessThan(1e-4);
      }
    },
  );
});

/** A convolution's input, filter and output gradient. */
type ConvCase = () => { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D };

/**
 * conv(x, w) and the gradients of Σ conv(x, w)·dy for x and w, read back; nothing kept. Each is
 * computed on its own, with a turn of the event loop between them: at a thousand channels the CPU
 * backend's gradients take seconds each. `outSlices` > 1 takes the filter gradient in that many
 * slices of output channels, a turn between each (exact: an output channel depends on its own
 * filter column only); for the CPU reference, whose filter gradient at 2100 × 2050 is one op of tens
 * of seconds on a busy machine.
 */
async function valueAndGrads(
  make: ConvCase,
  conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  outSlices = 1,
): Promise<Float32Array[]> {
  const { x, w, dy } = make();
  const loss = (xi: tf.Tensor, wi: tf.Tensor, dyi: tf.Tensor) =>
    tf.sum(tf.mul(conv(xi as tf.Tensor4D, wi as tf.Tensor4D), dyi));
  const data: Float32Array[] = [];
  const read = (t: tf.Tensor): void => {
    data.push(t.dataSync() as Float32Array);
    t.dispose();
  };
  await yieldToEventLoop();
  read(conv(x, w));
  await yieldToEventLoop();
  read(tf.grad((xi) => loss(xi, w, dy))(x));
  const cout = w.shape[3];
  const step = Math.ceil(cout / outSlices);
  const dw: tf.Tensor[] = [];
  for (let start = 0; start < cout; start += step) {
    await yieldToEventLoop();
    const size = Math.min(step, cout - start);
    const [ws, dys] = [w, dy].map((t) => tf.slice(t, [0, 0, 0, start], [-1, -1, -1, size]));
    dw.push(tf.grad((wi) => loss(x, wi, dys))(ws));
    tf.dispose([ws, dys]);
  }
  read(tf.concat(dw, 3));
  tf.dispose([x, w, dy, ...dw]);
  return data;
}

/** Each of `ours` within 1e-5 of the largest magnitude of its reference: value, dx, dw. */
function expectCloseToReference(ref: Float32Array[], ours: Float32Array[]): void {
  ref.forEach((r, i) => {
    let scale = 0;
    let diff = 0;
    for (let j = 0; j < r.length; j++) {
      scale = Math.max(scale, Math.abs(r[j]));
      diff = Math.max(diff, Math.abs(r[j] - ours[i][j]));
    }
    expect(diff, ['y', 'dx', 'dw'][i]).toBeLessThan(1e-5 * scale);
  });
}

describe('conv2d while training (transient filters, reductions split over input channels)', () => {
  it.each([
    // With few output rows, one product per filter tap, both ways; at stride 2 the forward pass's
    // taps are strided views.
    { k: 3, cin: 600, cout: 520, pad: 1, stride: 1, tapRows: convTuning.tapRows },
    { k: 3, cin: 600, cout: 520, pad: 1, stride: 2, tapRows: convTuning.tapRows },
    // Otherwise 600 input channels: two 256-channel slices and a remainder; 520 outputs: the input
    // gradient's reduction (over the outputs) is split too.
    { k: 3, cin: 600, cout: 520, pad: 1, stride: 1, tapRows: 0 },
    // A 1×1 filter of more than 2²² floats: products split over 2048-long slices of Cin, both ways.
    { k: 1, cin: 2100, cout: 2050, pad: 0, stride: 1, tapRows: convTuning.tapRows },
  ])(
    'equals TF.js native convolution and gradients on CPU, $k×$k / $stride, $cin channels, taps up to $tapRows rows (wasm)',
    async ({ k, cin, cout, pad, stride, tapRows }) => {
      const out = Math.floor((4 + 2 * pad - k) / stride) + 1;
      const make: ConvCase = () => ({
        x: tf.randomNormal([1, 4, 4, cin], 0, 1, 'float32', 1) as tf.Tensor4D,
        w: tf.randomNormal([k, k, cin, cout], 0, 0.05, 'float32', 2) as tf.Tensor4D,
        dy: tf.randomNormal([1, out, out, cout], 0, 1, 'float32', 3) as tf.Tensor4D,
      });
      await useBackend('cpu');
      const ref = await valueAndGrads(make, (x, w) => tf.conv2d(x, w, stride, pad), 8);
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const saved = convTuning.tapRows;
      convTuning.tapRows = tapRows;
      const ours = await withTransientFilters(async () =>
        valueAndGrads(make, (x, w) => conv2d(x, w, stride, pad)),
      ).finally(() => (convTuning.tapRows = saved));
      expect(tf.memory().numTensors).toBe(before);
      expectCloseToReference(ref, ours);
    },
  );
});

describe('conv2d by Winograd F(2×2, 3×3) (3×3, stride 1, pad 1 on WASM/CPU)', () => {
  it.each([
    // More tiles than output channels: the filter's planes are the packed operand ('rows');
    // odd sizes leave half-empty tiles at the bottom and right.
    { backend: 'wasm', n: 2, h: 7, w: 9, cin: 12, cout: 10, budget: 2 ** 24, group: 2 ** 23 },
    // Channels in fours: every transform of the 'rows' layout in SIMD.
    { backend: 'wasm', n: 2, h: 8, w: 8, cin: 8, cout: 12, budget: 2 ** 24, group: 2 ** 23 },
    // Fewer tiles than channels: the input's planes are packed ('cols'), both ways.
    { backend: 'wasm', n: 1, h: 4, w: 6, cin: 40, cout: 36, budget: 2 ** 24, group: 2 ** 23 },
    // Planes made in chunks of 8 channels: forward, input gradient and filter gradient.
    { backend: 'wasm', n: 1, h: 6, w: 5, cin: 20, cout: 28, budget: 16 * 8 * 28, group: 2 ** 23 },
    { backend: 'cpu', n: 2, h: 5, w: 5, cin: 12, cout: 36, budget: 16 * 8 * 36, group: 2 ** 23 },
    // The batch in groups of two images and one, summed for the filter gradient.
    { backend: 'wasm', n: 3, h: 4, w: 4, cin: 10, cout: 12, budget: 2 ** 24, group: 16 * 8 * 12 },
  ] as const)(
    '$backend: [$n,$h,$w,$cin] × [3,3,$cin,$cout], $budget / $group floats of filter / image planes, equals native convolution and gradients',
    async ({ backend, n, h, w, cin, cout, budget, group }) => {
      const make: ConvCase = () => ({
        x: tf.randomNormal([n, h, w, cin], 0, 1, 'float32', 1) as tf.Tensor4D,
        w: tf.randomNormal([3, 3, cin, cout], 0, 0.05, 'float32', 2) as tf.Tensor4D,
        dy: tf.randomNormal([n, h, w, cout], 0, 1, 'float32', 3) as tf.Tensor4D,
      });
      await useBackend('cpu');
      const ref = await valueAndGrads(make, (x, k) => tf.conv2d(x, k, 1, 'same'));
      await useBackend(backend);
      const saved = { ...winogradTuning };
      Object.assign(winogradTuning, { minTiles: 0, minChannels: 0, planeBudget: budget, groupBudget: group });
      try {
        expect(takesWinograd([n, h, w, cin], [3, 3, cin, cout], 1, 1)).toBe(true);
        // On WASM the transforms run in SIMD where channels come in fours, in JS otherwise.
        if (backend === 'wasm') expect(simdReady(tf.backend())).toBe(true);
        const before = tf.memory().numTensors;
        const ours = await valueAndGrads(make, (x, k) => conv2d(x, k, 1, 1));
        expect(tf.memory().numTensors).toBe(before);
        expectCloseToReference(ref, ours);
      } finally {
        Object.assign(winogradTuning, saved);
      }
    },
  );

  it('is taken only by 3×3 / 1 / pad 1 convolutions with enough tiles and channels', () => {
    expect(takesWinograd([1, 16, 16, 256], [3, 3, 256, 256], 1, 1)).toBe(true); // 64 tiles
    expect(takesWinograd([1, 8, 8, 512], [3, 3, 512, 512], 1, 1)).toBe(false); // 16 tiles
    expect(takesWinograd([1, 8, 8, 2048], [3, 3, 2048, 1024], 1, 1)).toBe(true); // wide: 16 do
    expect(takesWinograd([1, 4, 4, 2048], [3, 3, 2048, 2048], 1, 1)).toBe(false);
    expect(takesWinograd([1, 64, 64, 64], [3, 3, 64, 64], 1, 1)).toBe(true);
    expect(takesWinograd([1, 64, 64, 32], [3, 3, 32, 64], 1, 1)).toBe(false); // few channels
    expect(takesWinograd([1, 64, 64, 256], [3, 3, 256, 256], 2, 1)).toBe(false);
    expect(takesWinograd([1, 64, 64, 256], [1, 1, 256, 256], 1, 0)).toBe(false);
  });
});

describe('conv2d in inference (wide reductions split over input channels)', () => {
  it('equals TF.js native convolution with 1100 input channels, keeping nothing (wasm)', async () => {
    // ≥ 1024 input channels: split into 256-channel slices with transient filters even outside
    // training; 1100 leaves a remainder slice. The filter is a variable, as the network's are.
    const make = () => {
      const init = tf.randomNormal([3, 3, 1100, 40], 0, 0.05, 'float32', 5);
      const w = tf.variable(init) as tf.Variable<tf.Rank.R4>;
      init.dispose();
      return { x: tf.randomNormal([2, 5, 5, 1100], 0, 1, 'float32', 4) as tf.Tensor4D, w };
    };
    const run = (conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D): Float32Array => {
      const { x, w } = make();
      const y = conv(x, w);
      const data = y.dataSync() as Float32Array;
      tf.dispose([x, w, y]);
      return data;
    };
    await useBackend('cpu');
    const ref = run((x, w) => tf.conv2d(x, w, 2, 1));
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const ours = run((x, w) => conv2d(x, w, 2, 1));
    expect(tf.memory().numTensors).toBe(before);
    expect(ours.length).toBe(ref.length);
    let scale = 0;
    let diff = 0;
    for (let j = 0; j < ref.length; j++) {
      scale = Math.max(scale, Math.abs(ref[j]));
      diff = Math.max(diff, Math.abs(ref[j] - ours[j]));
    }
    expect(diff).toBeLessThan(1e-5 * scale);
  });
});

describe('batchMatMul (batched products lowered to 2-D matmuls on WASM/CPU)', () => {
  it('equals tf.matMul in value and gradient for batched, left-broadcast and right-broadcast shapes', async () => {
    await tf.setBackend('cpu');
    for (const [sa, sb] of [
      [
        [3, 4, 5],
        [3, 5, 6],
      ],
      [
        [1, 4, 5],
        [3, 5, 6],
      ],
      [
        [3, 4, 5],
        [1, 5, 6],
      ],
      [
        [1, 4, 5],
        [1, 5, 6],
      ],
    ] as [[number, number, number], [number, number, number]][]) {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 4) as tf.Tensor3D;
      const b = tf.randomNormal(sb, 0, 1, 'float32', 5) as tf.Tensor3D;
      const expected = tf.matMul(a, b);
      const ours = batchMatMul(a, b);
      expect(ours.shape).toEqual(expected.shape);
      expect(tf.max(tf.abs(tf.sub(expected, ours))).dataSync()[0]).toBeLessThan(1e-5);
      const up = tf.randomNormal(expected.shape, 0, 1, 'float32', 6);
      const loss = (f: typeof batchMatMul) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(f(x as tf.Tensor3D, y as tf.Tensor3D), up));
      // TF.js's own BatchMatMul gradient cannot broadcast a batch of 1, so the reference tiles first.
      const n = Math.max(sa[0], sb[0]);
      const full = (x: tf.Tensor3D) => tf.broadcastTo(x, [n, x.shape[1], x.shape[2]]);
      const [ga, gb] = tf.grads(loss((x, y) => tf.matMul(full(x), full(y))))([a, b]);
      const [oa, ob] = tf.grads(loss(batchMatMul))([a, b]);
      expect(tf.max(tf.abs(tf.sub(ga, oa))).dataSync()[0]).toBeLessThan(1e-4);
      expect(tf.max(tf.abs(tf.sub(gb, ob))).dataSync()[0]).toBeLessThan(1e-4);
    }
  });
});

describe('matMul (2-D product whose WASM gradient has no transposed products)', () => {
  it.each(NODE_BACKENDS)('equals tf.matMul in value and in both gradients (%s)', async (backend) => {
    await useBackend(backend);
    const a = tf.randomNormal([7, 5], 0, 1, 'float32', 7) as tf.Tensor2D;
    const b = tf.randomNormal([5, 6], 0, 1, 'float32', 8) as tf.Tensor2D;
    const up = tf.randomNormal([7, 6], 0, 1, 'float32', 9);
    expect(tf.max(tf.abs(tf.sub(tf.matMul(a, b), matMul(a, b)))).dataSync()[0]).toBeLessThan(1e-5);
    const loss = (f: typeof matMul) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), up));
    const [ga, gb] = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
    // Inside a tidy, as the engine's callers use it: the saved operands must outlive the tidy.
    const [oa, ob] = tf.grads(loss((x, y) => tf.tidy(() => matMul(tf.reshape(x, [7, 5]), y))))([a, b]);
    expect(tf.max(tf.abs(tf.sub(ga, oa))).dataSync()[0]).toBeLessThan(1e-4);
    expect(tf.max(tf.abs(tf.sub(gb, ob))).dataSync()[0]).toBeLessThan(1e-4);
  });
});

describe('product (long reductions summed over slices of K on WASM/CPU)', () => {
  it.each(NODE_BACKENDS)('equals tf.matMul for a split reduction with a remainder (%s)', async (backend) => {
    await useBackend(backend);
    // b has K·P = 4.5 M > 2²² floats: split into two 2048-long slices of K and a remainder of 404.
    const a = tf.randomNormal([6, 4500], 0, 1, 'float32', 10) as tf.Tensor2D;
    const b = tf.randomNormal([4500, 1000], 0, 1, 'float32', 11) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const ours = product(a, b);
    expect(tf.memory().numTensors).toBe(before + 1);
    const expected = tf.matMul(a, b);
    expect(ours.shape).toEqual([6, 1000]);
    // Sums of 4500 products of unit normals are ~67 in size; float32 reordering stays far below 1e-3.
    expect(tf.max(tf.abs(tf.sub(expected, ours))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([a, b, ours, expected]);
  });
});

describe('training BatchNorm (one op with its own gradient)', () => {
  it.each(NODE_BACKENDS)(
    'matches the composite TF.js form in value, gradients and running stats (%s)',
    async (backend) => {
      await useBackend(backend);
      // Channels in fours (the SIMD backward on WASM) and not (its JS loop), and the composite ops;
      // with and without ReLU and a residual block's shortcut.
      for (const [c, fused, relu, shortcut] of [6, 8].flatMap((c) =>
        [true, false].flatMap((fused) =>
          [false, true].flatMap((relu) => [false, true].map((sc) => [c, fused, relu, sc] as const)),
        ),
      )) {
        const x = tf.randomNormal([3, 5, 4, c], 0.5, 2, 'float32', 11) as tf.Tensor4D;
        const up = tf.randomNormal(x.shape, 0, 1, 'float32', 12);
        const residual = tf.randomNormal(x.shape, 0, 1, 'float32', 15) as tf.Tensor4D;
        const label = `c ${c}, fused ${fused}, relu ${relu}, shortcut ${shortcut}`;
        const wasFused = setFusedKernels(fused);
        const store = new ParamStore();
        store.addParam('bn.weight', tf.randomNormal([c], 1, 0.3, 'float32', 13));
        store.addParam('bn.bias', tf.randomNormal([c], 0, 0.3, 'float32', 14));
        store.addParam('bn.running_mean', tf.zeros([c]), false);
        store.addParam('bn.running_var', tf.ones([c]), false);
        const s = new Scope(store).sub('bn');
        const composite = (xi: tf.Tensor, w: tf.Tensor, b: tf.Tensor, r: tf.Tensor): tf.Tensor => {
          const { mean, variance } = tf.moments(xi, [0, 1, 2]);
          const bn = tf.add(tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, 1e-5))), w), b);
          const y = shortcut ? tf.add(bn, r) : bn;
          return relu ? tf.relu(y) : y;
        };
        const ours = (xi: tf.Tensor, r: tf.Tensor): tf.Tensor =>
          batchNorm(
            s,
            xi as tf.Tensor4D,
            { training: true, updateStats: false },
            {
              relu,
              residual: shortcut ? (r as tf.Tensor4D) : undefined,
            },
          );
        const w = s.get('weight');
        const b = s.get('bias');
        // Without a shortcut nothing reads `residual`: its gradient is not asked for.
        const used = shortcut ? [x, w, b, residual] : [x, w, b];
        const [rx, rw, rb, rr] = tf.grads((...t: tf.Tensor[]) =>
          tf.sum(tf.mul(composite(t[0], t[1], t[2], t[3]), up)),
        )(used);
        const value = batchNorm(s, x, TRAIN, { relu, residual: shortcut ? residual : undefined });
        const reference = composite(x, w, b, residual);
        expect(tf.max(tf.abs(tf.sub(value, reference))).dataSync()[0], label).toBeLessThan(1e-5);
        const { value: l, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(ours(x, residual), up)) as tf.Scalar,
        );
        const [ox, or] = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(ours(t[0], t[1]), up)))(
          shortcut ? [x, residual] : [x],
        );
        l.dispose();
        const close = (a: tf.Tensor, e: tf.Tensor, what: string) =>
          expect(tf.max(tf.abs(tf.sub(a, e))).dataSync()[0], `${label}: ${what}`).toBeLessThan(
            1e-4 * Math.max(1, tf.max(tf.abs(e)).dataSync()[0]),
          );
        close(ox, rx, 'dx');
        close(grads[w.name], rw, 'dweight');
        close(grads[b.name], rb, 'dbias');
        if (shortcut) close(or, rr, 'dshortcut');
        // One update: running = 0.9·running + 0.1·batch statistic (unbiased variance).
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        const n = 3 * 5 * 4;
        close(s.get('running_mean'), tf.mul(mean, 0.1), 'running mean');
        close(s.get('running_var'), tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))), 'running variance');
        store.dispose();
        setFusedKernels(wasFused);
      }
    },
  );
});

describe('BatchNorm statistics averaged over batches (statsMomentum)', () => {
  it('momentum 1/(k+1) on batch k leaves the equal-weight mean of the batch statistics', async () => {
    await useBackend('wasm');
    const c = 5;
    const store = new ParamStore();
    store.addParam('bn.weight', tf.ones([c]));
    store.addParam('bn.bias', tf.zeros([c]));
    store.addParam('bn.running_mean', tf.fill([c], 7), false);
    // An overflowed running variance must not poison the average (Inf × 0 is NaN).
    store.addParam('bn.running_var', tf.tensor1d([9, Infinity, 9, NaN, 9]), false);
    const s = new Scope(store).sub('bn');
    const batches = [0, 1, 2, 3].map(
      (k) => tf.randomNormal([2, 3, 3, c], k, 1 + k, 'float32', 40 + k) as tf.Tensor4D,
    );
    batches.forEach((x, k) => batchNorm(s, x, { training: true, statsMomentum: 1 / (k + 1) }).dispose());
    const n = 2 * 3 * 3;
    const moments = batches.map((x) => tf.moments(x, [0, 1, 2]));
    const meanOf = (ts: tf.Tensor[]) => tf.div(tf.addN(ts), ts.length);
    const expectedMean = meanOf(moments.map((m) => m.mean));
    const expectedVar = tf.mul(meanOf(moments.map((m) => m.variance)), n / (n - 1));
    // The starting statistics are gone: the first batch had weight 1.
    expect(tf.max(tf.abs(tf.sub(s.get('running_mean'), expectedMean))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(s.get('running_var'), expectedVar))).dataSync()[0]).toBeLessThan(1e-4);
    store.dispose();
  });
});
