import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../src/core/nn/conv';
import type { BackendName, SelfTestResult } from './engine-api';

/** mulberry32: a deterministic stream, so both backends see bit-identical inputs. */
function seededUniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

const X_SHAPE: [number, number, number, number] = [2, 13, 11, 5]; // [N,H,W,Cin]
const W_SHAPE: [number, number, number, number] = [3, 3, 5, 7]; // [K,K,Cin,Cout]
const STRIDE = 2;
const PAD = 1;

async function runConv(): Promise<{ data: Float32Array; shape: number[] }> {
  const y = tf.tidy(() => {
    const x = tf.tensor4d(
      seededUniform(
        X_SHAPE.reduce((p, d) => p * d),
        1,
      ),
      X_SHAPE,
    );
    const w = tf.tensor4d(
      seededUniform(
        W_SHAPE.reduce((p, d) => p * d),
        2,
      ),
      W_SHAPE,
    );
    const b = tf.tensor1d(seededUniform(W_SHAPE[3], 3));
    return tf.relu(conv2d(x, w, STRIDE, PAD, b));
  });
  const data = (await y.data()) as Float32Array;
  const shape = y.shape;
  y.dispose();
  return { data, shape };
}

/**
 * Proves the active backend computes what the reference 'cpu' backend computes. Switches the
 * global backend to cpu and back, so it must not overlap another task.
 */
export async function selfTestConv2d(active: BackendName): Promise<SelfTestResult> {
  const t0 = performance.now();
  const got = await runConv();
  const ms = performance.now() - t0;
  let want: Float32Array;
  if (active === 'cpu') {
    want = got.data;
  } else {
    await tf.setBackend('cpu');
    try {
      want = (await runConv()).data;
    } finally {
      await tf.setBackend(active);
    }
  }
  let maxAbsDiff = 0;
  for (let i = 0; i < want.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got.data[i] - want[i]));
  return { backend: active, maxAbsDiff, outputShape: got.shape, ms: Math.round(ms * 10) / 10 };
}
