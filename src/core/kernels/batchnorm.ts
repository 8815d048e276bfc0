import * as tf from '@tensorflow/tfjs';
import { address, simdFor } from './simd';
import { storageKernelsOn, storages } from './storage';

const BATCH_NORM_GRAD = 'BatchNormGrad';
const CHANNEL_MOMENTS = 'ChannelMoments';

/**
 * Training BatchNorm's batch statistics: the mean and biased variance per channel of x [N,H,W,C]
 * over N, H, W, in two passes (Σ x, then Σ (x − mean)² less the rounding left in Σ (x − mean)),
 * where the composite ops take four. WASM (SIMD where channels come in fours) and CPU, else null.
 */
export function channelMoments(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D } | null {
  if (!storageKernelsOn()) return null;
  register();
  const [mean, variance] = tf.engine().runKernel(CHANNEL_MOMENTS, { x }) as [tf.Tensor1D, tf.Tensor1D];
  return { mean, variance };
}

/**
 * The backward pass of training-mode BatchNorm (+ ReLU) as one kernel of two passes over the
 * activations, where the composite ops take about ten (batchnorm.ts has the formulas):
 *   g = dy (where y > 0, with ReLU),  x̂ = (x − mean)·invStd,
 *   dBias = Σ g,  dWeight = Σ g·x̂,  dx = weight·invStd·(g − dBias/n − x̂·dWeight/n),
 * sums over N, H, W. WASM (SIMD where channels come in fours) and CPU; elsewhere, or with the custom
 * kernels off, null: the caller composes TF.js ops.
 */
export function batchNormGrad(
  dy: tf.Tensor4D, // [N,H,W,C]
  x: tf.Tensor4D, // [N,H,W,C]
  y: tf.Tensor4D | null, // [N,H,W,C], the ReLU's output; null without ReLU
  mean: tf.Tensor1D, // [C]
  invStd: tf.Tensor1D, // [C]
  weight: tf.Tensor1D, // [C]
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] | null {
  if (!storageKernelsOn()) return null;
  register();
  const inputs = { dy, x, y: y ?? dy, mean, invStd, weight };
  return tf
    .engine()
    .runKernel(BATCH_NORM_GRAD, inputs, { relu: y !== null } as unknown as tf.NamedAttrMap) as [
    tf.Tensor4D,
    tf.Tensor1D,
    tf.Tensor1D,
  ];
}

type Inputs = Record<'dy' | 'x' | 'y' | 'mean' | 'invStd' | 'weight', tf.TensorInfo>;

/** The JS loops: the CPU backend's, and WASM's where channels do not come in fours. */
function batchNormGradLoop(
  [dy, x, y, mean, invStd, weight]: Float32Array[],
  relu: boolean,
  [dx, dWeight, dBias]: Float32Array[],
): void {
  const c = mean.length;
  const n = x.length / c;
  const sumG = new Float64Array(c);
  const sumGX = new Float64Array(c);
  const grad = (i: number): number => (relu && !(y[i] > 0) ? 0 : dy[i]);
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) {
      const g = grad(i + j);
      sumG[j] += g;
      sumGX[j] += g * (x[i + j] - mean[j]) * invStd[j];
    }
  for (let j = 0; j < c; j++) [dBias[j], dWeight[j]] = [sumG[j], sumGX[j]];
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) {
      const xh = (x[i + j] - mean[j]) * invStd[j];
      dx[i + j] = weight[j] * invStd[j] * (grad(i + j) - sumG[j] / n - (xh * sumGX[j]) / n);
    }
}

/** The JS loop of the moments: the CPU backend's, and WASM's where channels do not come in fours. */
function momentsLoop(x: Float32Array, c: number, [mean, variance]: Float32Array[]): void {
  const n = x.length / c;
  const sum = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let j = 0; j < c; j++) sum[j] += x[i + j];
  for (let j = 0; j < c; j++) mean[j] = sum[j] / n;
  const [d1, d2] = [new Float64Array(c), new Float64Array(c)];
  for (let i = 0; i < x.length; i += c)
    for (let j = 0; j < c; j++) {
      const d = x[i + j] - mean[j];
      d1[j] += d;
      d2[j] += d * d;
    }
  for (let j = 0; j < c; j++) variance[j] = Math.max(0, d2[j] - (d1[j] * d1[j]) / n) / n;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  for (const [backendName, storage] of Object.entries(storages)) {
    tf.registerKernel({
      kernelName: CHANNEL_MOMENTS,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        if (x.dtype !== 'float32') throw new Error(`${CHANNEL_MOMENTS}: float32 only`);
        const c = x.shape[3];
        const s = storage(backend);
        return s.write(
          [[c], [c]],
          (outs) => momentsLoop(s.read(x), c, outs),
          (heap, [mean, variance]) => {
            const simd = simdFor(heap, c);
            if (!simd) return false;
            const [zero, sums] = [heap.makeOutput([c], 'float32'), heap.makeOutput([2 * c], 'float32')];
            try {
              const at = (u: tf.TensorInfo): number => address(heap, u);
              const read = (u: tf.TensorInfo): Float32Array => heap.typedArrayFromHeap(u) as Float32Array;
              const rows = x.shape.slice(0, 3).reduce((a, b) => a * b, 1);
              read(zero).fill(0);
              simd.moments(at(x), at(zero), at(sums), rows, 4 * c);
              const m = read(mean);
              const sum = read(sums);
              for (let j = 0; j < c; j++) m[j] = sum[j] / rows;
              simd.moments(at(x), at(mean), at(sums), rows, 4 * c);
              const v = read(variance);
              for (let j = 0; j < c; j++) v[j] = Math.max(0, sum[c + j] - (sum[j] * sum[j]) / rows) / rows;
              return true;
            } finally {
              heap.disposeData(zero.dataId);
              heap.disposeData(sums.dataId);
            }
          },
        );
      },
    });
    tf.registerKernel({
      kernelName: BATCH_NORM_GRAD,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        const t = inputs as Inputs;
        const { relu } = attrs as unknown as { relu: boolean };
        const c = t.x.shape[3];
        const order = [t.dy, t.x, t.y, t.mean, t.invStd, t.weight];
        if (order.some((u) => u.dtype !== 'float32')) throw new Error(`${BATCH_NORM_GRAD}: float32 only`);
        const s = storage(backend);
        return s.write(
          [t.x.shape, [c], [c]],
          (outs) =>
            batchNormGradLoop(
              order.map((u) => s.read(u)),
              relu,
              outs,
            ),
          (heap, [dx, dWeight, dBias]) => {
            const simd = simdFor(heap, c);
            if (!simd) return false;
            // Σ g and Σ g·x̂ side by side, then k, a and b (see simd.wat).
            const [sums, kab] = [heap.makeOutput([2 * c], 'float32'), heap.makeOutput([3 * c], 'float32')];
            try {
              const at = (u: tf.TensorInfo): number => address(heap, u);
              const rows = t.x.shape.slice(0, 3).reduce((a, b) => a * b, 1);
              const [dy, x, y, mean, invStd] = [t.dy, t.x, t.y, t.mean, t.invStd].map(at);
              simd.bnGradSums(dy, x, y, mean, invStd, at(sums), rows, 4 * c, relu ? 1 : 0);
              const read = (u: tf.TensorInfo): Float32Array => heap.typedArrayFromHeap(u) as Float32Array;
              const [sum, k, w, is] = [read(sums), read(kab), read(t.weight), read(t.invStd)];
              read(dBias).set(sum.subarray(0, c));
              read(dWeight).set(sum.subarray(c));
              for (let j = 0; j < c; j++) {
                k[j] = w[j] * is[j];
                k[c + j] = sum[j] / rows;
                k[2 * c + j] = sum[c + j] / rows;
              }
              const base = at(kab);
              simd.bnGradInput(
                dy,
                x,
                y,
                mean,
                invStd,
                base,
                base + 4 * c,
                base + 8 * c,
                at(dx),
                rows,
                4 * c,
                relu ? 1 : 0,
              );
              return true;
            } finally {
              heap.disposeData(sums.dataId);
              heap.disposeData(kab.dataId);
            }
          },
        );
      },
    });
  }
}
