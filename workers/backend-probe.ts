import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../src/core/nn/conv';
import type { ProbeTiming } from './backend-choice';

/** Timed runs after the warm-up (which compiles WebGPU pipelines and is not counted). */
const TIMED_RUNS = 3;

/**
 * A small training step at a feature-map size the one-click run and the presets meet: three 3x3
 * convolutions with ReLU on [2, 32, 32, 16], a scalar loss and its gradients to the three filters,
 * read back. Convolutions forward and backward dominate a DM-GRD step, so it runs the model's own
 * conv2d (Winograd and product gradients on WebGPU, XNNPACK-friendly gradients on WASM), and its
 * several small dispatches charge a GPU its per-kernel overhead as real training does. About
 * 85 MFLOP: a few milliseconds on 2-core WASM.
 */
async function runOnce(input: tf.Tensor4D, filters: tf.Tensor4D[]): Promise<void> {
  const sum = tf.tidy(() => {
    const loss = (...fs: tf.Tensor[]): tf.Scalar => {
      let x: tf.Tensor4D = input;
      for (const f of fs) x = tf.relu(conv2d(x, f as tf.Tensor4D, 1, 1));
      return tf.mean(tf.square(x));
    };
    const grads = tf.grads(loss)(filters);
    return tf.addN(grads.map((g) => tf.sum(g)));
  });
  try {
    await sum.data();
  } finally {
    sum.dispose();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Times the probe workload on the active backend: one warm-up, then up to TIMED_RUNS runs; a run
 * slower than `limitMs` ends it early. Inputs are seeded so every backend does the same work.
 */
export async function timeProbe(limitMs: number | null): Promise<ProbeTiming> {
  const input = tf.randomUniform([2, 32, 32, 16], -1, 1, 'float32', 1) as tf.Tensor4D;
  const filters = [2, 3, 4].map(
    (seed) => tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', seed) as tf.Tensor4D,
  );
  try {
    await runOnce(input, filters);
    const times: number[] = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      const t0 = performance.now();
      await runOnce(input, filters);
      times.push(performance.now() - t0);
      if (limitMs !== null && times[times.length - 1] > limitMs) break;
    }
    return { ok: true, ms: median(times) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    input.dispose();
    for (const f of filters) f.dispose();
  }
}
