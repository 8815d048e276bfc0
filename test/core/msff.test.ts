import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../../src/core/io/safetensors';
import { EVAL, ParamStore, Scope, TRAIN } from '../../src/core/nn/params';
import { createMsff, msffForward, type MsffChannels } from '../../src/core/model/msff';
import { variableGrads } from '../../src/core/train/backprop';
import { useBackend } from '../helpers/backends';
import { winogradTuning } from '../../src/core/nn/winograd';
import { get, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';
import { yieldToEventLoop } from '../helpers/event-loop';

const PREFIX = 'msff.';
let golden: Map<string, NamedArray>;

beforeAll(() => {
  golden = loadGolden('msff_resnet18.safetensors.gz');
});

/** OIHW -> HWIO for conv weights, 1-D unchanged. */
function toTf(a: NamedArray): tf.Tensor {
  const t = tf.tensor(a.data as Float32Array, a.shape);
  if (a.shape.length !== 4) return t;
  const r = tf.transpose(t, [2, 3, 1, 0]);
  t.dispose();
  return r;
}

/** HWIO gradient -> OIHW flat values. */
function toTorchData(t: tf.Tensor): Float32Array {
  if (t.rank !== 4) return t.dataSync() as Float32Array;
  return tf.tidy(() => tf.transpose(t, [3, 2, 0, 1]).dataSync() as Float32Array);
}

/** A fresh MSFF with the golden weights; checks that every state_dict name and shape matches. */
function goldenMsff(): ParamStore {
  const store = new ParamStore();
  const channels: MsffChannels = [
    get(golden, 'input.f1').shape[1],
    get(golden, 'input.f2').shape[1],
    get(golden, 'input.f3').shape[1],
  ];
  createMsff(new Scope(store), channels, 1);
  const names = [...golden.keys()].filter((k) => k.startsWith(PREFIX)).map((k) => k.slice(PREFIX.length));
  expect(new Set(store.entries().map(([n]) => n))).toEqual(new Set(names));
  for (const name of names) {
    const v = store.get(name);
    const value = toTf(get(golden, PREFIX + name));
    expect(v.shape).toEqual(value.shape);
    v.assign(value);
    value.dispose();
  }
  return store;
}

function inputs(): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return ['input.f1', 'input.f2', 'input.f3'].map((n) => nhwc(get(golden, n))) as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
  ];
}

const OUTS = ['f1_out', 'f2_out', 'f3_out'];

function checkGradients(store: ParamStore, grads: Map<string, tf.Tensor>): void {
  let checked = 0;
  for (const [name, v] of store.params) {
    const g = grads.get(name);
    expect(g, name).toBeDefined();
    const ours = toTorchData(g!);
    const ref = get(golden, `grad.${PREFIX}${name}`);
    const stat = get(golden, `gradstat.${PREFIX}${name}`).data;
    // Stored rows: the leading rows along PyTorch's dim 0 (all of them for small tensors).
    const rows = ours.subarray(0, ref.data.length);
    expect(relErr(rows, ref.data), name).toBeLessThan(1e-3);
    let sum = 0;
    let sumsq = 0;
    for (const x of ours) {
      sum += x;
      sumsq += x * x;
    }
    expect(Math.abs(sumsq - stat[1]) / stat[1], `${name} sumsq`).toBeLessThan(2e-3);
    expect(Math.abs(sum - stat[0]), `${name} sum`).toBeLessThan(1e-3 * Math.sqrt(v.size * stat[1]) + 1e-12);
    checked++;
  }
  expect(checked).toBe(store.params.size);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`MSFF against the reference (${backend})`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    const evalCheck = async (): Promise<void> => {
      const store = goldenMsff();
      const x = inputs();
      const scope = new Scope(store);
      const before = tf.memory().numTensors;
      const outs = msffForward(scope, x, EVAL);
      OUTS.forEach((n, i) => {
        const ref = get(golden, `output.${n}`);
        expect(outs[i].shape).toEqual([ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]]);
        expect(relErr(toNchwData(outs[i]), ref.data), n).toBeLessThan(1e-4);
      });
      tf.dispose(outs);
      expect(tf.memory().numTensors).toBe(before);
      await yieldToEventLoop();

      const vars = [...store.params.values()];
      const { value, grads } = tf.variableGrads(() => {
        const o = msffForward(scope, x, EVAL);
        return tf.addN(o.map((t) => tf.sum(tf.square(t)))) as tf.Scalar;
      }, vars);
      const sumsqRef = get(golden, 'output.sumsq').data[0];
      expect(Math.abs(value.dataSync()[0] - sumsqRef) / sumsqRef).toBeLessThan(1e-5);
      const byName = new Map<string, tf.Tensor>();
      for (const [name, v] of store.params) byName.set(name, grads[v.name]);
      await yieldToEventLoop();
      checkGradients(store, byName);
      tf.dispose([value, ...Object.values(grads), ...x]);
      store.dispose();
    };

    it('eval forward, sum of squares and gradients of every parameter (eval mode)', evalCheck);

    it('the same with every 3×3 convolution by Winograd F(2×2, 3×3)', async () => {
      const saved = { ...winogradTuning };
      Object.assign(winogradTuning, { minTiles: 0, minChannels: 0 });
      try {
        await evalCheck();
      } finally {
        Object.assign(winogradTuning, saved);
      }
    });

    it('train-mode forward (batch statistics) and the updated running statistics', () => {
      const store = goldenMsff();
      const x = inputs();
      const outs = msffForward(new Scope(store), x, TRAIN);
      OUTS.forEach((n, i) => {
        expect(relErr(toNchwData(outs[i]), get(golden, `output_train.${n}`).data), n).toBeLessThan(2e-4);
      });
      for (const blk of ['blk1', 'blk2', 'blk3']) {
        for (const stat of ['running_mean', 'running_var']) {
          const name = `${blk}.attn.W.1.${stat}`;
          const ref = get(golden, `state_train.${PREFIX}${name}`).data;
          expect(relErr(store.get(name).dataSync(), ref), name).toBeLessThan(1e-4);
        }
      }
      tf.dispose([...outs, ...x]);
      store.dispose();
    });

    it('recomputing the blocks in the backward pass gives the same value, gradients and statistics', async () => {
      const run = (recompute: boolean) => {
        const store = goldenMsff();
        const x = inputs();
        const scope = new Scope(store);
        const vars = [...store.params.values()];
        let rows = 0;
        const { value, grads } = variableGrads(() => {
          const o = msffForward(scope, x, { ...TRAIN, recompute });
          rows = tf.engine().state.numTensors;
          return tf.addN(o.map((t, i) => tf.mul(tf.sum(tf.square(t)), i + 1))) as tf.Scalar;
        }, vars);
        const result = {
          value: value.dataSync()[0],
          grads: [...store.params].map(([name, v]) => [name, grads[v.name].dataSync().slice()] as const),
          stats: [...store.buffers].map(([name, v]) => [name, v.dataSync().slice()] as const),
          rows,
        };
        tf.dispose([value, ...Object.values(grads), ...x]);
        store.dispose();
        return result;
      };
      const plain = run(false);
      await yieldToEventLoop();
      const before = tf.memory().numTensors;
      const again = run(true);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(again.value - plain.value) / plain.value).toBeLessThan(1e-6);
      expect(again.grads.map(([n]) => n)).toEqual(plain.grads.map(([n]) => n));
      again.grads.forEach(([name, g], i) => expect(relErr(g, plain.grads[i][1]), name).toBeLessThan(1e-5));
      // Running statistics moved once, as in the reference's single forward.
      again.stats.forEach(([name, v], i) => expect(relErr(v, plain.stats[i][1]), name).toBeLessThan(1e-6));
      for (const blk of ['blk1', 'blk2', 'blk3']) {
        const name = `${blk}.attn.W.1.running_var`;
        const ref = get(golden, `state_train.${PREFIX}${name}`).data;
        const ours = again.stats.find(([n]) => n === name)![1];
        expect(relErr(ours, ref), name).toBeLessThan(1e-4);
      }
      // The forward keeps fewer tensors alive when the blocks are recomputed.
      expect(again.rows).toBeLessThan(plain.rows);
    });
  });
}

describe('MSFF construction', () => {
  it('has the WRN50 state_dict shapes and identity non-local blocks at init', async () => {
    await tf.setBackend('cpu');
    const store = new ParamStore();
    createMsff(new Scope(store, 'msff'), [512, 1024, 2048], 0);
    const shape = (n: string) => store.get(`msff.${n}`).shape;
    expect(shape('blk1.conv1.weight')).toEqual([3, 3, 512, 512]);
    expect(shape('blk3.attn.g.0.weight')).toEqual([1, 1, 2048, 1024]);
    expect(shape('blk2.conv2.1.weight')).toEqual([3, 3, 512, 512]);
    expect(shape('upconv32.1.weight')).toEqual([3, 3, 1024, 512]);
    expect(shape('upconv21.1.weight')).toEqual([3, 3, 512, 256]);
    expect(shape('sam.conv.weight')).toEqual([7, 7, 2, 1]);
    expect(
      store
        .get('msff.blk1.attn.W.1.weight')
        .dataSync()
        .every((v) => v === 0),
    ).toBe(true);
    expect(store.buffers.has('msff.blk1.attn.W.1.running_var')).toBe(true);
    // kaiming_uniform(a=sqrt(5)) bound = 1/sqrt(fan_in)
    const w = store.get('msff.blk1.conv1.weight');
    expect(tf.max(tf.abs(w)).dataSync()[0]).toBeLessThanOrEqual(1 / Math.sqrt(512 * 9));
    store.dispose();
  });

  it('handles odd feature sizes like PyTorch pooling (floor) and small pyramids', async () => {
    await tf.setBackend('cpu');
    const store = new ParamStore();
    createMsff(new Scope(store), [8, 16, 32], 3);
    const f = [
      tf.randomNormal([1, 14, 14, 8]),
      tf.randomNormal([1, 7, 7, 16]),
      tf.randomNormal([1, 4, 4, 32]),
    ] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const outs = msffForward(new Scope(store), f, EVAL);
    expect(outs.map((o) => o.shape)).toEqual([
      [1, 14, 14, 4],
      [1, 7, 7, 8],
      [1, 4, 4, 16],
    ]);
    expect(outs.every((o) => tf.all(tf.isFinite(o)).dataSync()[0] === 1)).toBe(true);
    tf.dispose([...outs, ...f]);
    store.dispose();
  });
});
