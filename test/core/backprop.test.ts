import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { variableGrads, vectorJacobian } from '../../src/core/train/backprop';
import { batchNorm, RELU } from '../../src/core/nn/batchnorm';
import { conv2d } from '../../src/core/nn/conv';
import { matMul } from '../../src/core/nn/matmul';
import { batchNormParams } from '../../src/core/nn/init';
import { ParamStore, Scope } from '../../src/core/nn/params';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { yieldToEventLoop } from '../helpers/event-loop';

type Loss = () => tf.Scalar;

const rnd = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));
let nextVar = 0;
const vari = (shape: number[], seed: number, name: string, scale = 0.5): tf.Variable => {
  const t = rnd(shape, seed, scale);
  const v = tf.variable(t, true, `${name}#bp${nextVar++}`);
  t.dispose();
  return v;
};

/**
 * Ours against tf.variableGrads: same keys, same values, and no tensor left behind by ours. TF.js
 * maps explicitly listed non-trainable variables to null; ours leaves them out.
 */
function expectSameGrads(f: Loss, vars: tf.Variable[]): void {
  const ref = tf.variableGrads(f, vars);
  const refGrads = Object.fromEntries(Object.entries(ref.grads).filter(([, g]) => g != null));
  const before = tf.memory().numTensors;
  const ours = variableGrads(f, vars);
  expect(Object.keys(ours.grads).sort()).toEqual(Object.keys(refGrads).sort());
  expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 5);
  for (const [name, g] of Object.entries(refGrads)) {
    const a = g.dataSync();
    const b = ours.grads[name].dataSync();
    let scale = 1e-12;
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(a[i]));
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    expect(diff / scale, name).toBeLessThanOrEqual(1e-6);
  }
  tf.dispose([ours.value, ...Object.values(ours.grads)]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([ref.value, ...Object.values(refGrads)]);
}

/** Bytes of distinct data buffers allocated and still alive at the worst moment of `run`. */
function peakNewBytes(run: () => void): number {
  interface InfoMap {
    set(k: object, v: { bytes: number }): unknown;
    delete(k: object): boolean;
  }
  const info = (tf.engine() as unknown as { state: { tensorInfo: InfoMap } }).state.tensorInfo;
  const live = new Map<object, number>();
  let now = 0;
  let peak = 0;
  const set = info.set.bind(info);
  const del = info.delete.bind(info);
  info.set = (k, v) => {
    if (!live.has(k)) {
      live.set(k, v.bytes);
      now += v.bytes;
      peak = Math.max(peak, now);
    }
    return set(k, v);
  };
  info.delete = (k) => {
    const b = live.get(k);
    if (b !== undefined) {
      now -= b;
      live.delete(k);
    }
    return del(k);
  };
  try {
    run();
  } finally {
    Reflect.deleteProperty(info, 'set');
    Reflect.deleteProperty(info, 'delete');
  }
  return peak;
}

describe.each(NODE_BACKENDS)('variableGrads that frees during backward (%s)', (backend) => {
  it('matches tf.variableGrads on a conv/BN/ReLU net with plain-op normalisation', async () => {
    await useBackend(backend);
    const store = new ParamStore();
    const s = new Scope(store, 'net');
    batchNormParams(s, 'bn1', 4);
    const w1 = vari([3, 3, 3, 4], 1, 'w1');
    const w2 = vari([3, 3, 4, 6], 2, 'w2');
    const b2 = vari([6], 3, 'b2');
    const gamma = vari([6], 4, 'gamma');
    const x = rnd([2, 8, 8, 3], 5) as tf.Tensor4D;
    const f: Loss = () => {
      const h1 = batchNorm(
        s.sub('bn1'),
        conv2d(x, w1 as tf.Tensor4D, 1, 1),
        { training: true, updateStats: false },
        RELU,
      );
      const h2 = conv2d(h1, w2 as tf.Tensor4D, 2, 1, b2 as tf.Tensor1D);
      // BatchNorm as separate TF.js ops, differentiated by TF.js's own kernels' gradients.
      const { mean, variance } = tf.moments(h2, [0, 1, 2]);
      const n = tf.mul(tf.mul(tf.sub(h2, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma);
      return tf.mean(tf.square(tf.relu(n)));
    };
    expectSameGrads(f, [w1, w2, b2, gamma, ...store.params.values()]);
    tf.dispose([w1, w2, b2, gamma, x]);
    store.dispose();
  });

  it('matches on a parameter used twice and an intermediate feeding two branches', async () => {
    await useBackend(backend);
    const w = vari([5, 5], 6, 'w');
    const u = vari([5, 3], 7, 'u');
    const x = rnd([4, 5], 8) as tf.Tensor2D;
    const f: Loss = () => {
      const h = tf.tanh(matMul(x, w as tf.Tensor2D));
      const twice = matMul(tf.relu(h), w as tf.Tensor2D);
      const left = tf.sum(tf.mul(tf.sigmoid(h), h));
      const right = tf.mean(tf.exp(matMul(twice, u as tf.Tensor2D)));
      return tf.add(left, right);
    };
    expectSameGrads(f, [w, u]);
    tf.dispose([w, u, x]);
  });

  it('matches through pass-through gradients (reshape, clone, add, a customGrad returning dy)', async () => {
    await useBackend(backend);
    const w = vari([4, 6], 9, 'w');
    const b = vari([3, 2], 10, 'b');
    const x = rnd([4, 4], 11) as tf.Tensor2D;
    // Its gradient function hands back the very dy object it was given.
    const passThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const t = args[0] as tf.Tensor;
      return { value: tf.clone(t), gradFunc: (dy: tf.Tensor) => [dy] };
    }) as (t: tf.Tensor) => tf.Tensor;
    const f: Loss = () => {
      const h = passThrough(tf.reshape(matMul(x, w as tf.Tensor2D), [4, 3, 2]));
      const c = tf.clone(h);
      const s = tf.add(c, b);
      const t = passThrough(tf.add(s, s));
      return tf.add(tf.sum(tf.mul(t, t)), tf.sum(passThrough(c)));
    };
    expectSameGrads(f, [w, b]);
    tf.dispose([w, b, x]);
  });

  it('matches through a customGrad op with saved tensors and gives no entry to an unconnected variable', async () => {
    await useBackend(backend);
    const w = vari([3, 3], 12, 'w');
    const unused = vari([3], 13, 'unused');
    const offPath = vari([3], 14, 'offPath');
    const frozen = tf.variable(tf.ones([3]), false, `frozen#bp${nextVar++}`);
    const x = rnd([2, 3], 15) as tf.Tensor2D;
    const cube = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([t]);
      return {
        value: tf.mul(tf.square(t), t),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.mul(tf.square(saved[0]), 3))],
      };
    }) as (t: tf.Tensor) => tf.Tensor;
    const f: Loss = () => {
      tf.mul(offPath, 2); // computed, but not on the way to the loss
      return tf.sum(tf.mul(cube(matMul(x, w as tf.Tensor2D)), frozen));
    };
    expectSameGrads(f, [w, unused, offPath, frozen]);
    const { value, grads } = variableGrads(f, [w, unused, offPath, frozen]);
    expect(Object.keys(grads)).toEqual([w.name]);
    tf.dispose([value, ...Object.values(grads)]);
    expect(() => variableGrads(() => tf.sum(x) as tf.Scalar, [w])).toThrow(/Cannot find a connection/);
    tf.dispose([w, unused, offPath, frozen, x]);
  });

  it('hands each final gradient over once, and the variable may change in the hand-over', async () => {
    await useBackend(backend);
    const x = rnd([2, 6, 6, 3], 30) as tf.Tensor4D;
    const w1 = vari([3, 3, 3, 4], 31, 'w1');
    const w2 = vari([3, 3, 4, 4], 32, 'w2');
    const shared = vari([4], 33, 'shared');
    // `shared` is read twice, far apart on the tape: its gradient is final only after the first read.
    const f: Loss = () => {
      const h = tf.relu(tf.add(conv2d(x, w1 as tf.Tensor4D, 1, 1), shared)) as tf.Tensor4D;
      return tf.sum(tf.square(tf.mul(conv2d(h, w2 as tf.Tensor4D, 1, 1), shared))) as tf.Scalar;
    };
    const ref = tf.variableGrads(f, [w1, w2, shared]);
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const handed = new Map<string, Float32Array>();
    const { value, grads } = variableGrads(f, [w1, w2, shared], {
      onGradient: (v, g) => {
        seen.push(v.name);
        handed.set(v.name, g.dataSync().slice() as Float32Array);
        v.assign(tf.zerosLike(v)); // what an optimiser does: nothing later may read the old value
      },
    });
    expect(Object.keys(grads)).toEqual([]);
    expect(seen.sort()).toEqual([w1.name, w2.name, shared.name].sort());
    expect(value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 4);
    for (const [name, g] of Object.entries(ref.grads))
      expect(Math.max(...handed.get(name)!.map((v, i) => Math.abs(v - g.dataSync()[i]))), name).toBeLessThan(
        1e-4 * Math.max(...g.dataSync().map(Math.abs)),
      );
    value.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ref.value, ...Object.values(ref.grads), x, w1, w2, shared]);
  });

  it('vectorJacobian seeds the pass with dy and leaves the seed alone', async () => {
    await useBackend(backend);
    const x = rnd([3, 4], 40);
    const w = rnd([4, 5], 41);
    const dy = rnd([3, 5], 42);
    const f = () => tf.tanh(matMul(x as tf.Tensor2D, w as tf.Tensor2D));
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.tanh(tf.matMul(a, b)))([x, w], dy);
    const unreached = rnd([2], 43);
    const before = tf.memory().numTensors;
    const ours = vectorJacobian(f, [x, w, unreached], dy);
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(dy.isDisposed).toBe(false);
    ref.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(ours[i], g))).dataSync()[0]).toBeLessThan(1e-5));
    expect(Array.from(ours[2].dataSync())).toEqual([0, 0]);
    tf.dispose([x, w, dy, unreached, ...ref, ...ours]);
  });

  it('keeps saved tensors for an enclosing gradient (second order matches TF.js)', async () => {
    await useBackend(backend);
    const w = vari([3], 17, 'w');
    const a = rnd([3], 18);
    // d/da Σ ∂/∂w Σ (a·w)² = d/da Σ 2a²w = 4aw.
    const outer = (impl: typeof variableGrads) =>
      tf.grad((ai: tf.Tensor) => {
        const { value, grads } = impl(() => tf.sum(tf.square(tf.mul(ai, w))), [w]);
        value.dispose();
        return tf.sum(grads[w.name]);
      })(a);
    const ref = outer(tf.variableGrads);
    const ours = outer(variableGrads);
    const expected = tf.mul(tf.mul(a, w), 4);
    expect(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(ours, expected))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([w, a, ref, ours, expected]);
  });

  it('peaks far below tf.variableGrads on a 30-layer conv+ReLU chain and leaks nothing', async () => {
    await useBackend(backend);
    const ws = Array.from({ length: 30 }, (_, i) => vari([3, 3, 16, 16], 100 + i, `c${i}`, 0.12));
    const x = rnd([2, 16, 16, 16], 16) as tf.Tensor4D;
    const f: Loss = () => {
      let h = x;
      for (const w of ws) h = tf.relu(conv2d(h, w as tf.Tensor4D, 1, 1));
      return tf.mean(tf.square(h));
    };
    const run = (impl: typeof variableGrads) => () => {
      const { value, grads } = impl(f, ws);
      tf.dispose([value, ...Object.values(grads)]);
    };
    run(variableGrads)(); // warm-up: kernels and backend caches allocate once
    await yieldToEventLoop();
    const before = tf.memory().numTensors;
    const theirs = peakNewBytes(run(tf.variableGrads));
    await yieldToEventLoop();
    const ours = peakNewBytes(run(variableGrads));
    expect(tf.memory().numTensors).toBe(before);
    console.log(
      `[${backend}] 30-layer chain, peak new bytes: tf.variableGrads ${(theirs / 1e6).toFixed(2)} MB, ` +
        `ours ${(ours / 1e6).toFixed(2)} MB (${((100 * ours) / theirs).toFixed(0)} %)`,
    );
    expect(ours).toBeLessThanOrEqual(0.6 * theirs);
    tf.dispose([...ws, x]);
  });
});
