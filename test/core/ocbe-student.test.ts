import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../../src/core/io/safetensors';
import { kdLoss } from '../../src/core/losses/kd';
import { createOcbe, ocbeForward, OCBE_UNUSED } from '../../src/core/model/ocbe';
import { mirroredRdConfig, RD_CONFIGS, type RdConfig } from '../../src/core/model/rd-config';
import { createStudent, studentForward, studentTransposedConvs } from '../../src/core/model/student';
import { EVAL, ParamStore, Scope, TRAIN } from '../../src/core/nn/params';
import {
  exportTorchWeights,
  loadTorchWeights,
  torchShape,
  toTorchLayout,
} from '../../src/core/nn/torch-weights';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { get, hasShared, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';
import { yieldToEventLoop } from '../helpers/event-loop';

type Feats = [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];

/** OCBE under `bn.`, student under `student.`: the golden file's own prefixes. */
function build(
  cfg: RdConfig,
  seed?: number,
): { store: ParamStore; bn: Scope; student: Scope; isT: (n: string) => boolean } {
  const store = new ParamStore();
  const bn = new Scope(store, 'bn');
  const student = new Scope(store, 'student');
  createOcbe(bn, cfg, seed);
  createStudent(student, cfg, seed);
  const transposed = studentTransposedConvs(cfg);
  const isT = (n: string): boolean => n.startsWith('student.') && transposed.has(n.slice('student.'.length));
  return { store, bn, student, isT };
}

function torchShapeOf(m: ReturnType<typeof build>, name: string): number[] {
  return torchShape(m.store.get(name).shape, m.isT(name));
}

/** Sum and sum of squares in float64. */
function stats(d: ArrayLike<number>): [number, number] {
  let s = 0;
  let q = 0;
  for (let i = 0; i < d.length; i++) {
    s += d[i];
    q += d[i] * d[i];
  }
  return [s, q];
}

const CFG = RD_CONFIGS.resnet18;
let g: Map<string, NamedArray>;

describe.skipIf(!hasShared())('OCBE + reverse student (resnet18) vs the reference', () => {
  beforeAll(() => {
    g = loadGolden('ocbe_student_resnet18.safetensors.gz');
  });

  function goldenModel(): ReturnType<typeof build> {
    const m = build(CFG, 5);
    loadTorchWeights(m.store, g, {
      transposed: m.isT,
      ignore: (n) => !n.startsWith('bn.') && !n.startsWith('student.'),
      label: 'resnet18 OCBE/student',
    });
    return m;
  }

  const inputs = (): Feats => [0, 1, 2].map((i) => nhwc(get(g, `input.f${i}`))) as Feats;

  for (const backend of NODE_BACKENDS) {
    it(`eval forward, train forward, KD-loss gradients and running stats on ${backend}`, async () => {
      await useBackend(backend);
      const m = goldenModel();
      const f = inputs();
      const expectClose = (t: tf.Tensor, name: string, tol: number): void => {
        expect(relErr(toNchwData(t), get(g, name).data as Float32Array), `${backend} ${name}`).toBeLessThan(
          tol,
        );
      };
      const lossRel = (t: tf.Scalar, name: string): number => {
        const ref = get(g, name).data[0];
        return Math.abs(t.dataSync()[0] - ref) / Math.abs(ref);
      };

      // Eval (running statistics): first, before a train forward moves them.
      tf.tidy(() => {
        const ocbe = ocbeForward(m.bn, CFG, f, EVAL);
        const de = studentForward(m.student, CFG, ocbe, EVAL);
        expectClose(ocbe, 'output.ocbe', 1e-4);
        de.forEach((d, i) => expectClose(d, `output.de${i}`, 1e-4));
        expect(lossRel(kdLoss(f, de), 'output.kd_loss')).toBeLessThan(1e-5);
      });
      await yieldToEventLoop();

      // One train-mode forward + backward, as in the training loop. The OCBE inputs are separate
      // variables so their gradient is taken with the KD target (the same values) held constant.
      const fv = f.map((t) => tf.variable(t, true)) as tf.Variable[];
      const params = [...m.store.params.values()];
      let outs: tf.Tensor4D[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const ocbe = ocbeForward(m.bn, CFG, fv as unknown as Feats, TRAIN);
        const de = studentForward(m.student, CFG, ocbe, TRAIN);
        outs = [ocbe, ...de].map((t) => tf.keep(t));
        return kdLoss(f, de);
      }, [...params, ...fv]);
      await yieldToEventLoop();

      expectClose(outs[0], 'output_train.ocbe', 2e-4);
      outs.slice(1).forEach((d, i) => expectClose(d, `output_train.de${i}`, 2e-4));
      expect(lossRel(value, 'output_train.kd_loss')).toBeLessThan(1e-5);

      fv.forEach((v, i) => expectClose(grads[v.name], `grad.input.f${i}`, 1e-3));

      let checked = 0;
      for (const [name, v] of m.store.params) {
        const gname = `grad.${name}`;
        const unused = name.startsWith('bn.') && (OCBE_UNUSED as readonly string[]).includes(name.slice(3));
        if (unused) {
          expect(g.has(gname), gname).toBe(false);
          expect(grads[v.name], `${name} should get no gradient`).toBeUndefined();
          continue;
        }
        const ref = get(g, gname);
        const full = toTorchLayout(grads[v.name], m.isT(name));
        const data = full.dataSync() as Float32Array;
        full.dispose();
        const stored = ref.data.length;
        expect(
          relErr(data.subarray(0, stored), ref.data as Float32Array),
          `${backend} ${gname}`,
        ).toBeLessThan(1e-3);
        const stat = g.get(`gradstat.${name}`);
        if (stat) {
          const [sum, sumsq] = stats(data);
          const [refSum, refSumsq] = stat.data as Float32Array;
          expect(Math.abs(sumsq - refSumsq) / refSumsq, `${gname} sumsq`).toBeLessThan(2e-3);
          expect(Math.abs(sum - refSum), `${gname} sum`).toBeLessThan(
            1e-3 * Math.sqrt(data.length * refSumsq),
          );
        }
        checked++;
      }
      expect(checked).toBe(
        [...g.keys()].filter((k) => k.startsWith('grad.') && !k.startsWith('grad.input.')).length,
      );

      let buffers = 0;
      for (const key of g.keys()) {
        if (!key.startsWith('state_train.')) continue;
        expect(
          relErr(m.store.get(key.slice('state_train.'.length)).dataSync(), get(g, key).data as Float32Array),
          key,
        ).toBeLessThan(2e-4);
        buffers++;
      }
      expect(buffers).toBeGreaterThan(0);

      tf.dispose([...f, ...fv, ...outs, value, ...Object.values(grads)]);
      m.store.dispose();
    });
  }
});

describe('OCBE + student construction', () => {
  it('wide_resnet50_2 OCBE and decoder have the reference shapes (README section 2)', async () => {
    await useBackend('cpu');
    const m = build(RD_CONFIGS.wide_resnet50_2);
    const s = (n: string): number[] => torchShapeOf(m, n);
    expect(s('bn.bn_layer.0.conv1.weight')).toEqual([1024, 3072, 1, 1]);
    expect(s('bn.bn_layer.0.conv2.weight')).toEqual([1024, 1024, 3, 3]);
    expect(s('bn.bn_layer.0.conv3.weight')).toEqual([2048, 1024, 1, 1]);
    expect(s('bn.bn_layer.0.downsample.0.weight')).toEqual([2048, 3072, 1, 1]);
    expect(s('bn.bn_layer.2.conv1.weight')).toEqual([1024, 2048, 1, 1]);
    expect(m.store.has('bn.bn_layer.3.conv1.weight')).toBe(false);
    expect(s('bn.conv1.weight')).toEqual([512, 256, 3, 3]);
    expect(s('bn.conv2.weight')).toEqual([1024, 512, 3, 3]);
    expect(s('bn.conv3.weight')).toEqual([1024, 512, 3, 3]);
    expect(s('bn.conv4.weight')).toEqual([2048, 4096, 1, 1]);
    // de_wide_resnet50_2: Bottleneck conv2 is the ConvTranspose2d [in,out,2,2]; width 2·planes.
    expect(s('student.layer1.0.conv1.weight')).toEqual([512, 2048, 1, 1]);
    expect(s('student.layer1.0.conv2.weight')).toEqual([512, 512, 2, 2]);
    expect(s('student.layer1.0.conv3.weight')).toEqual([1024, 512, 1, 1]);
    expect(s('student.layer1.0.upsample.0.weight')).toEqual([2048, 1024, 2, 2]);
    expect(s('student.layer3.0.upsample.0.weight')).toEqual([512, 256, 2, 2]);
    expect(s('student.layer3.2.conv2.weight')).toEqual([128, 128, 3, 3]);
    expect(m.store.has('student.layer2.4.conv1.weight')).toBe(false);
    m.store.dispose();
  });

  it('round-trips through a torch-layout state dict, conv4/bn4 included', async () => {
    await useBackend('cpu');
    const cfg = mirroredRdConfig([8, 16, 32]);
    const a = build(cfg, 11);
    const b = build(cfg, 12);
    const sd = await exportTorchWeights(a.store, a.isT);
    expect(sd.get('bn.conv4.weight')!.shape).toEqual([64, 128, 1, 1]);
    expect(sd.get('student.layer1.0.conv1.weight')!.shape).toEqual([64, 32, 2, 2]);
    expect(sd.get('student.layer1.0.upsample.0.weight')!.shape).toEqual([64, 32, 2, 2]);
    expect(sd.get('student.layer1.1.conv1.weight')!.shape).toEqual([32, 32, 3, 3]);
    loadTorchWeights(b.store, sd, { transposed: b.isT });
    for (const [name, v] of a.store.entries()) {
      expect(Array.from(b.store.get(name).dataSync()), name).toEqual(Array.from(v.dataSync()));
    }
    a.store.dispose();
    b.store.dispose();
  });

  it('a mirrored BasicBlock decoder fits light-teacher channels end to end', async () => {
    await useBackend('cpu');
    const cfg = mirroredRdConfig([24, 40, 112]);
    const m = build(cfg, 9);
    tf.tidy(() => {
      const f: Feats = [
        tf.randomNormal([2, 16, 16, 24]),
        tf.randomNormal([2, 8, 8, 40]),
        tf.randomNormal([2, 4, 4, 112]),
      ] as Feats;
      const ocbe = ocbeForward(m.bn, cfg, f, TRAIN);
      expect(ocbe.shape).toEqual([2, 2, 2, 224]);
      const de = studentForward(m.student, cfg, ocbe, EVAL);
      expect(de.map((d) => d.shape)).toEqual(f.map((t) => t.shape));
    });
    expect(torchShapeOf(m, 'student.layer1.0.conv1.weight')).toEqual([224, 112, 2, 2]);
    m.store.dispose();
  });
});
