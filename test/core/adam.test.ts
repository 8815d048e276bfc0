import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../../src/core/config';
import { decodeSession, encodeSession, restoreTraining } from '../../src/core/pipeline/checkpoint';
import { Session } from '../../src/core/pipeline/session';
import { ParamStore } from '../../src/core/nn/params';
import { Adam, type MomentStorage, type Moments } from '../../src/core/train/adam';
import { CheckpointError } from '../../src/core/train/checkpoint';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { relErr } from '../helpers/golden';

const SHAPES: Record<string, number[]> = { 'conv.weight': [3, 3, 4, 8], 'bn.bias': [8], 'fc.weight': [5, 7] };
const STEPS = 5;
const LRS = [1e-3, 5e-3, 2e-3, 1e-2, 4e-3, 3e-3, 1e-3, 2e-3];

/** Deterministic values in [-1, 1) (xorshift), so every run and backend sees the same numbers. */
function values(n: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function makeParams(): Map<string, tf.Variable> {
  const params = new Map<string, tf.Variable>();
  Object.entries(SHAPES).forEach(([name, shape], k) => {
    const t = tf.tensor(values(size(shape), 100 + k), shape);
    params.set(name, tf.variable(t, true, `adam-test/${name}/${Math.random()}`));
    t.dispose();
  });
  return params;
}

/** Step `step`'s gradients; a few are exactly zero, as dead ReLUs give. */
function makeGrads(step: number): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  Object.entries(SHAPES).forEach(([name, shape], k) => {
    const g = values(size(shape), 1000 * step + k);
    for (let i = 0; i < g.length; i += 11) g[i] = 0;
    grads.set(name, tf.tensor(g, shape));
  });
  return grads;
}

async function run(adam: Adam, params: Map<string, tf.Variable>, from: number, to: number): Promise<void> {
  for (let s = from; s < to; s++) {
    const grads = makeGrads(s);
    adam.apply(params, grads, LRS[s]);
    tf.dispose([...grads.values()]);
  }
}

async function snapshot(params: Map<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, p] of params) out.set(name, (await p.data()) as Float32Array);
  return out;
}

function dispose(params: Map<string, tf.Variable>, ...adams: Adam[]): void {
  tf.dispose([...params.values()]);
  for (const a of adams) a.dispose();
}

async function trained(storage: MomentStorage, steps: number) {
  const params = makeParams();
  const adam = new Adam(0.5, 0.999, 1e-8, storage);
  await run(adam, params, 0, steps);
  return { params, adam };
}

describe.each(NODE_BACKENDS)('Adam on %s', (backend) => {
  it('keeps its moments in JS arrays there, matching the tensor path to float32 rounding', async () => {
    await useBackend(backend);
    const host = await trained('auto', STEPS);
    const gpu = await trained('tensor', STEPS);
    expect(host.adam.storage).toBe('host');
    expect(gpu.adam.storage).toBe('tensor');
    expect(host.adam.step).toBe(STEPS);
    const [hp, gp] = [await snapshot(host.params), await snapshot(gpu.params)];
    const [hm, gm] = [await host.adam.exportMoments(), await gpu.adam.exportMoments()];
    for (const name of Object.keys(SHAPES)) {
      expect(relErr(hp.get(name)!, gp.get(name)!)).toBeLessThan(1e-6);
      expect(relErr(hm.get(name)!.m, gm.get(name)!.m)).toBeLessThan(1e-6);
      expect(relErr(hm.get(name)!.v, gm.get(name)!.v)).toBeLessThan(1e-6);
      expect(hm.get(name)!.shape).toEqual(SHAPES[name]);
    }
    dispose(host.params, host.adam);
    dispose(gpu.params, gpu.adam);
  });

  it('follows torch.optim.Adam: a constant gradient moves every weight by lr·sign(g) per step', async () => {
    // With g fixed, both bias-corrected moments are exact (m̂ = g, v̂ = g²), so the step is
    // lr·g/(|g| + eps), whatever β1, β2 and the step count — a property of torch's update rule.
    await useBackend(backend);
    for (const storage of ['auto', 'tensor'] as const) {
      const p0 = new Float32Array([0.5, -0.25, 2, 0, 1]);
      const g = new Float32Array([0.3, -2, 1e-3, 0, -0.7]);
      const p = tf.variable(tf.tensor1d(p0));
      const grads = new Map([['w', tf.tensor1d(g)]]);
      const adam = new Adam(0.5, 0.999, 1e-8, storage);
      const lrs = [0.01, 0.02, 0.005];
      for (const lr of lrs) adam.apply(new Map([['w', p]]), grads, lr);
      const got = await p.data();
      const total = lrs.reduce((a, b) => a + b, 0);
      for (let i = 0; i < p0.length; i++) {
        const expected = p0[i] - total * (g[i] === 0 ? 0 : g[i] / (Math.abs(g[i]) + 1e-8));
        expect(Math.abs(got[i] - expected)).toBeLessThan(2e-6);
      }
      tf.dispose([p, ...grads.values()]);
      adam.dispose();
    }
  });

  it('export/import continues training identically, across storage modes too', async () => {
    await useBackend(backend);
    const straight = await trained('auto', STEPS + 3);
    const want = await snapshot(straight.params);
    for (const [from, to] of [
      ['auto', 'auto'],
      ['tensor', 'auto'],
      ['auto', 'tensor'],
    ] as const) {
      const first = await trained(from, STEPS);
      const moments = await first.adam.exportMoments();
      const resumed = new Adam(0.5, 0.999, 1e-8, to);
      // Imported before any apply, as restoreTraining does on a freshly built session.
      resumed.importMoments(moments, first.adam.step);
      first.adam.dispose(); // the import copied what it needs
      await run(resumed, first.params, STEPS, STEPS + 3);
      expect(resumed.step).toBe(STEPS + 3);
      const got = await snapshot(first.params);
      for (const name of Object.keys(SHAPES)) {
        if (from === 'auto' && to === 'auto') expect(got.get(name)).toEqual(want.get(name));
        else expect(relErr(got.get(name)!, want.get(name)!)).toBeLessThan(1e-6);
      }
      dispose(first.params, resumed);
    }
    dispose(straight.params, straight.adam);
  });

  it('rejects moments that do not fit their shape', async () => {
    await useBackend(backend);
    const adam = new Adam();
    const bad = new Map<string, Moments>([
      ['w', { shape: [2, 3], m: new Float32Array(6), v: new Float32Array(5) }],
    ]);
    expect(() => adam.importMoments(bad, 1)).toThrow(/Adam moments of w: 6\/5 values for shape \[2,3\]/);
  });
});

describe('Adam memory on WASM', () => {
  it('host moments add nothing to the WASM heap; tensor moments add twice the weights', async () => {
    await useBackend('wasm');
    const paramBytes = Object.values(SHAPES).reduce((s, shape) => s + 4 * size(shape), 0);
    const grow = async (storage: MomentStorage): Promise<number> => {
      const params = makeParams();
      const adam = new Adam(0.5, 0.999, 1e-8, storage);
      const grads = makeGrads(0);
      const before = tf.memory();
      adam.apply(params, grads, 1e-3);
      adam.apply(params, grads, 1e-3);
      const after = tf.memory();
      expect(after.numTensors - before.numTensors).toBe(storage === 'tensor' ? 6 : 0);
      tf.dispose([...grads.values()]);
      dispose(params, adam);
      return after.numBytes - before.numBytes;
    };
    expect(await grow('auto')).toBe(0);
    expect(await grow('tensor')).toBe(2 * paramBytes);
  });
});

/**
 * What encodeSession / restoreTraining read of a session: its parameter store and its trainer's
 * optimiser and step. A stand-in keeps the test at a few small tensors instead of a real network.
 */
function miniSession(adam: Adam, step: number): Session {
  const store = new ParamStore();
  Object.entries(SHAPES).forEach(([name, shape], k) =>
    store.addParam(name, tf.tensor(values(size(shape), 100 + k), shape)),
  );
  store.addParam('bn.running_mean', tf.zeros([8]), false);
  const config = validateConfig({ teacher: 'resnet18', model: 'rd', imageSize: 32 });
  const trainer = { adam, step, trainable: () => store.params };
  return {
    net: { store, teacherChannels: [64, 128, 256] },
    trainer,
    banks: null,
    config,
  } as unknown as Session;
}

describe('Adam moments in a playground checkpoint', () => {
  it('encodeSession → restoreTraining keeps adam.m/<name>, adam.v/<name> and resumes identically', async () => {
    await useBackend('wasm');
    const original = miniSession(new Adam(0.5, 0.999), 0);
    await run(original.trainer.adam, original.net.store.params, 0, STEPS);
    const bytes = await encodeSession(original, {}, { optimizer: true });
    const decoded = decodeSession(bytes);
    // The file format is unchanged: one m and one v per parameter, under these names.
    expect([...decoded.arrays.keys()].filter((k) => k.startsWith('adam.')).sort()).toEqual(
      Object.keys(SHAPES)
        .flatMap((n) => [`adam.m/${n}`, `adam.v/${n}`])
        .sort(),
    );
    expect(decoded.meta.adamStep).toBe(STEPS);
    const moments = await original.trainer.adam.exportMoments();
    for (const [name, { m, v }] of moments) {
      expect(decoded.arrays.get(`adam.m/${name}`)!.data).toEqual(m);
      expect(decoded.arrays.get(`adam.v/${name}`)!.data).toEqual(v);
    }

    // A fresh session's optimiser has not applied yet: the restore must work in either mode.
    for (const storage of ['auto', 'tensor'] as const) {
      const restored = miniSession(new Adam(0.5, 0.999, 1e-8, storage), 0);
      restoreTraining(restored, decoded);
      expect(restored.trainer.adam.step).toBe(STEPS);
      const ref = miniSession(new Adam(0.5, 0.999), 0);
      await run(ref.trainer.adam, ref.net.store.params, 0, STEPS + 3);
      await run(restored.trainer.adam, restored.net.store.params, STEPS, STEPS + 3);
      const [want, got] = [await snapshot(ref.net.store.params), await snapshot(restored.net.store.params)];
      for (const name of Object.keys(SHAPES)) {
        if (storage === 'auto') expect(got.get(name)).toEqual(want.get(name));
        else expect(relErr(got.get(name)!, want.get(name)!)).toBeLessThan(1e-6);
      }
      for (const s of [restored, ref]) {
        s.net.store.dispose();
        s.trainer.adam.dispose();
      }
    }

    // A moment of the wrong shape, or a lone half, is named instead of turning into NaNs later.
    const fresh = miniSession(new Adam(), 0);
    const wrong = new Map(decoded.arrays);
    wrong.set('adam.m/fc.weight', { shape: [7, 5], data: new Float32Array(35) });
    expect(() => restoreTraining(fresh, { ...decoded, arrays: wrong })).toThrow(
      /optimiser state does not fit this model \(adam.m\/fc.weight: file has 7x5, model expects float32 5x7\)/,
    );
    const half = new Map(decoded.arrays);
    half.delete('adam.v/bn.bias');
    expect(() => restoreTraining(fresh, { ...decoded, arrays: half })).toThrow(
      /optimiser state does not fit this model \(bn.bias has only its adam.m moment\)/,
    );
    expect(() => restoreTraining(fresh, { ...decoded, arrays: half })).toThrow(CheckpointError);
    fresh.net.store.dispose();
    original.net.store.dispose();
    original.trainer.adam.dispose();
  });
});
