import * as tf from '@tensorflow/tfjs';
import { rangeError, TOLERANCE, type ParityReport } from '../parity/compare';
import { gaussianBlur, gaussianKernel1d, levelAnomalyMaps, scoreBatch } from '../scoring/anomaly-map';
import { conv2d } from '../nn/conv';
import { frozenConv } from '../nn/frozen-conv';
import { resizeBilinearAlignCorners } from '../nn/resize';
import { addRelu } from './add-relu';
import { channelMaxMean } from './channel-pool';
import { cosineDistanceMap } from './cosine-distance';
import { evalBatchNorm } from './eval-batchnorm';
import { l2NormalizeLast } from './l2-normalize';
import { resizeMapsWebGPU } from './resize-maps';
import { withFilterCache } from './filter-cache';
import { scaleShift } from './scale-shift';
import { topkMean, topkValues } from './top-k';
import { webgpuWinogradBackend, webgpuWinogradTuning, winogradConv3x3WebGPU } from './winograd-webgpu';
import { fusedBackend, setFusedKernels } from './webgpu';

/**
 * The custom kernels against the composite TF.js path they replace, on the active backend, with
 * small random inputs (SwiftShader runs ~0.5 GFLOP/s). Off WebGPU both sides of most rows are the
 * composite path and prove only the wrapper (the scale-and-shift rows compare WASM's and CPU's
 * kernel); on WebGPU the first row says the kernels really ran.
 */
export async function runKernelChecks(): Promise<ParityReport[]> {
  await tf.ready();
  const backend = tf.getBackend();
  const reports: ParityReport[] = [];
  const add = (check: string, error: number, tolerance: number = TOLERANCE.forward): void => {
    reports.push({
      fixture: 'kernels',
      check,
      error,
      tolerance,
      kind: 'range',
      pass: error <= tolerance,
      backend,
    });
  };
  add(`custom kernels active: ${fusedBackend() !== null}`, 0, 0);

  /** max|fused − composite| / max|composite| of one op. */
  const compare = async (check: string, op: () => tf.Tensor): Promise<void> => {
    const fused = op();
    const prev = setFusedKernels(false);
    let composite: tf.Tensor;
    try {
      composite = op();
    } finally {
      setFusedKernels(prev);
    }
    const [a, b] = await Promise.all([fused.data(), composite.data()]);
    tf.dispose([fused, composite]);
    add(`${check} [${fused.shape}]`, rangeError(a, b));
  };

  // Channel counts around the loop's edge cases (1, odd, a multiple of 4) and a zero vector (eps).
  for (const shape of [
    [2, 5, 7, 1],
    [1, 4, 6, 13],
    [2, 8, 8, 64],
  ] as [number, number, number, number][]) {
    const [a, b] = [1, 2].map((s) => tf.randomNormal(shape, 0, 1, 'float32', s) as tf.Tensor4D);
    const zero = tf.tidy(() => tf.concat([tf.zeros([1, ...shape.slice(1)]), tf.slice(b, [1], [-1])]));
    await compare('cosine distance', () => cosineDistanceMap(a, shape[0] > 1 ? (zero as tf.Tensor4D) : b));
    tf.dispose([a, b, zero]);
  }
  // Up- and down-sampling, odd sizes, and a size kept (the identity).
  for (const [shape, outH, outW] of [
    [[2, 4, 4], 16, 16],
    [[1, 7, 5], 9, 23],
    [[1, 6, 6], 6, 3],
  ] as [[number, number, number], number, number][]) {
    const m = tf.randomNormal(shape, 0, 1, 'float32', 4) as tf.Tensor3D;
    await compare(`align-corners resize to ${outH}x${outW}`, () =>
      tf.tidy(() => {
        const fused = resizeMapsWebGPU(m, outH, outW);
        if (fused) return fused;
        return tf.squeeze(resizeBilinearAlignCorners(tf.expandDims(m, 3) as tf.Tensor4D, outH, outW), [3]);
      }),
    );
    m.dispose();
  }
  // Maps smaller than the radius (16 at σ 4) reflect several times; σ 1 on a wide map, and 64².
  for (const [shape, sigma] of [
    [[1, 5, 7], 4],
    [[2, 9, 40], 1],
    [[2, 64, 64], 4],
  ] as [[number, number, number], number][]) {
    const m = tf.randomUniform(shape, 0, 2, 'float32', 3) as tf.Tensor3D;
    await compare(`gaussian blur σ ${sigma} (${gaussianKernel1d(sigma).length} taps)`, () =>
      gaussianBlur(m, sigma),
    );
    m.dispose();
  }
  // BatchNorm's affine step: channels in fours (WASM's SIMD loop) and not, with and without ReLU
  // and a residual block's shortcut.
  for (const [shape, relu, withResidual] of [
    [[2, 5, 7, 8], true, false],
    [[1, 3, 3, 13], false, false],
    [[2, 5, 7, 8], true, true],
  ] as [number[], boolean, boolean][]) {
    const c = shape[shape.length - 1];
    const [x, scale, shift, residual] = [shape, [c], [c], shape].map((s, i) =>
      tf.randomNormal(s, 0, 1, 'float32', 5 + i),
    );
    await compare(`scale and shift${withResidual ? ', residual' : ''}${relu ? ', ReLU' : ''}`, () =>
      scaleShift(x, scale as tf.Tensor1D, shift as tf.Tensor1D, relu, withResidual ? residual : undefined),
    );
    tf.dispose([x, scale, shift, residual]);
  }
  // A 3×3 convolution by Winograd on WebGPU (odd sides: partial tiles), and its gradients.
  {
    const x = tf.randomNormal([2, 15, 17, 64], 0, 1, 'float32', 8) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 72], 0, 0.05, 'float32', 9) as tf.Tensor4D;
    const r = tf.randomNormal([2, 15, 17, 72], 0, 1, 'float32', 10);
    const b = tf.randomNormal([72], 0, 1, 'float32', 11) as tf.Tensor1D;
    /** One of the two gradients of Σ r·conv(x, w). */
    const gradient = (which: 0 | 1) => () =>
      tf.tidy(() => {
        const loss = (a: tf.Tensor, f: tf.Tensor) =>
          tf.sum(tf.mul(conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 1), r));
        return tf.grads(loss)([x, w])[which];
      });
    await compare('3x3 convolution', () => conv2d(x, w, 1, 1));
    // Twice in a scoring scope: the second call's filter planes come from the cache.
    await compare('3x3 convolution, filters kept between calls', () =>
      withFilterCache(() => {
        conv2d(x, w, 1, 1).dispose();
        return conv2d(x, w, 1, 1);
      }),
    );
    await compare('frozen 3x3 convolution, bias, ReLU', () => frozenConv(x, w, b, 1, 1, 'relu'));
    await compare('3x3 convolution, input gradient', gradient(0));
    await compare('3x3 convolution, filter gradient', gradient(1));
    const budget = webgpuWinogradTuning.maxPlaneFloats;
    webgpuWinogradTuning.maxPlaneFloats = 16 * 8 * 9 * 72; // one image's planes: a group per image
    try {
      await compare('3x3 convolution, one image at a time', () => conv2d(x, w, 1, 1));
      await compare('3x3 convolution, filter gradient, one image at a time', gradient(1));
    } finally {
      webgpuWinogradTuning.maxPlaneFloats = budget;
    }
    await compare('3x3 convolution, bias', () => conv2d(x, w, 1, 1, b));
    await compare('3x3 convolution, bias, gradients', () =>
      tf.tidy(() => {
        const loss = (a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 1, c as tf.Tensor1D), r));
        const [, dw, db] = tf.grads(loss)([x, w, b]);
        return tf.concat([tf.reshape(dw, [-1]), db]);
      }),
    );
    tf.dispose([x, w, b, r]);
  }
  // Filter gradients by products (WebGPU): 1×1 at strides 1 and 2 (odd sides), 3×3 at stride 2.
  for (const [k, stride, pad] of [
    [1, 1, 0],
    [1, 2, 0],
    [3, 2, 1],
  ]) {
    const x = tf.randomNormal([2, 9, 11, 16], 0, 1, 'float32', 25) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, 16, 24], 0, 0.2, 'float32', 26) as tf.Tensor4D;
    const b = tf.randomNormal([24], 0, 1, 'float32', 27) as tf.Tensor1D;
    await compare(`${k}x${k} convolution, stride ${stride}, bias, gradients`, () =>
      tf.tidy(() => {
        const loss = (a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.square(conv2d(a as tf.Tensor4D, f as tf.Tensor4D, stride, pad, c as tf.Tensor1D)));
        return tf.concat(
          tf
            .grads(loss)([x, w, b])
            .map((g) => tf.reshape(g, [-1])),
        );
      }),
    );
    tf.dispose([x, w, b]);
  }
  // Eval-mode BatchNorm with and without the shortcut and ReLU (channels in fours and not).
  for (const [shape, relu, residual] of [
    [[2, 5, 7, 8], true, true],
    [[1, 3, 3, 13], false, true],
    [[2, 4, 4, 16], true, false],
  ] as [[number, number, number, number], boolean, boolean][]) {
    const c = shape[3];
    const x = tf.randomNormal(shape, 0, 1, 'float32', 12) as tf.Tensor4D;
    const shortcut = tf.randomNormal(shape, 0, 1, 'float32', 13) as tf.Tensor4D;
    const [weight, bias, mean] = [14, 15, 16].map(
      (seed) => tf.randomNormal([c], 0, 1, 'float32', seed) as tf.Tensor1D,
    );
    const variance = tf.randomUniform([c], 0.1, 2, 'float32', 17) as tf.Tensor1D;
    const name = `eval BatchNorm${residual ? ', shortcut' : ''}${relu ? ', ReLU' : ''}`;
    await compare(name, () =>
      evalBatchNorm(x, { weight, bias, mean, variance }, 1e-5, {
        relu,
        residual: residual ? shortcut : undefined,
      }),
    );
    tf.dispose([x, shortcut, weight, bias, mean, variance]);
  }
  {
    const [a, b] = [18, 19].map((seed) => tf.randomNormal([2, 6, 5, 12], 0, 1, 'float32', seed));
    await compare('residual add and ReLU', () => addRelu(a, b));
    tf.dispose([a, b]);
  }
  // Top-k of rows: ties (rounded values), k of 1 and of the whole row.
  for (const [rows, cols, k] of [
    [37, 300, 10],
    [5, 16, 1],
    [3, 7, 7],
  ]) {
    const x = tf.tidy(() => tf.round(tf.mul(tf.randomNormal([rows, cols], 0, 1, 'float32', 20), 8)));
    await compare(`top-${k} of rows`, () => topkValues(x as tf.Tensor2D, k));
    x.dispose();
  }
  // Rows normalised: a zero row (eps), one channel, and a wide row.
  for (const shape of [
    [4, 3, 7],
    [9, 1],
    [2, 600],
  ]) {
    const x = tf.tidy(() =>
      tf.mul(
        tf.randomNormal(shape, 0, 1, 'float32', 28),
        tf.range(0, shape[0]).reshape([-1, ...shape.slice(1).map(() => 1)]),
      ),
    );
    await compare('L2-normalised rows', () => l2NormalizeLast(x));
    x.dispose();
  }
  // Channel max and mean: one channel, and channels all negative (the max's start).
  for (const shape of [
    [2, 3, 5, 1],
    [1, 4, 4, 37],
  ]) {
    const x = tf.tidy(() => tf.sub(tf.randomUniform(shape, 0, 1, 'float32', 29), 2)) as tf.Tensor4D;
    await compare('channel max and mean', () => channelMaxMean(x));
    x.dispose();
  }
  // Mean of the top k: three passes with a partial last chunk, one pass, and k the whole row.
  for (const [rows, length, k] of [
    [2, 70000, 100],
    [3, 1000, 5],
    [1, 300, 300],
  ]) {
    const x = tf.randomNormal([rows, length], 0, 1, 'float32', 21) as tf.Tensor2D;
    await compare(`mean of the top ${k} of ${length}`, () => topkMean(x, k));
    x.dispose();
  }
  {
    const x = tf.randomNormal([2, 16, 14, 64], 0, 1, 'float32', 22) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64], 0, 0.05, 'float32', 23) as tf.Tensor4D;
    const b = tf.randomNormal([64], 0, 1, 'float32', 24) as tf.Tensor1D;
    await compare('3x3 convolution, bias, ReLU, gradients', () =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, wt: tf.Tensor, c: tf.Tensor): tf.Tensor => {
          const [a4, w4, c1] = [a as tf.Tensor4D, wt as tf.Tensor4D, c as tf.Tensor1D];
          const gpu = webgpuWinogradBackend(a4.shape, w4.shape, 1, 1);
          if (gpu) return winogradConv3x3WebGPU(gpu, a4, w4, { bias: c1, relu: true });
          return tf.relu(conv2d(a4, w4, 1, 1, c1));
        };
        const grads = tf.grads((a, wt, c) => tf.sum(tf.mul(f(a, wt, c), tf.sin(f(a, wt, c)))))([x, w, b]);
        return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
      }),
    );
    tf.dispose([x, w, b]);
  }
  return reports;
}

export interface KernelTiming {
  name: string;
  /** Median wall ms with the custom kernels, and with the composite TF.js ops, each awaited. */
  fusedMs: number;
  compositeMs: number;
}

/**
 * Times the scoring path (anomaly maps + blur + top-k) of a resnet18-shaped batch at `size` px with
 * and without the custom kernels on the active backend. For measurements, not for tests.
 */
export async function timeKernels(size = 128, batch = 4, reps = 5): Promise<KernelTiming[]> {
  await tf.ready();
  const levels = [
    [size / 4, 64],
    [size / 8, 128],
    [size / 16, 256],
  ].map(([s, c], i) => tf.randomNormal([batch, s, s, c], 0, 1, 'float32', i) as tf.Tensor4D);
  const student = levels.map(
    (t) => tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.5))) as tf.Tensor4D,
  );
  const maps = tf.randomUniform([batch, size, size], 0, 1, 'float32', 9) as tf.Tensor3D;
  const cases: [string, () => tf.Tensor][] = [
    [`level maps ${batch}x${size}px`, () => tf.addN(levelAnomalyMaps(levels, student, size, size))],
    [`gaussian blur ${batch}x${size}px`, () => gaussianBlur(maps)],
    [
      `scoreBatch ${batch}x${size}px`,
      () => tf.tidy(() => scoreBatch(levels, student, { outH: size, outW: size }).score),
    ],
  ];
  const median = async (fn: () => tf.Tensor): Promise<number> => {
    const ms: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const t = tf.tidy(fn);
      await t.data();
      t.dispose();
      if (i > 0) ms.push(performance.now() - t0);
    }
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  };
  const out: KernelTiming[] = [];
  try {
    for (const [name, fn] of cases) {
      const fusedMs = await median(fn);
      const prev = setFusedKernels(false);
      try {
        out.push({ name, fusedMs, compositeMs: await median(fn) });
      } finally {
        setFusedKernels(prev);
      }
    }
  } finally {
    tf.dispose([...levels, ...student, maps]);
  }
  return out;
}
