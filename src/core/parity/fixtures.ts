import * as tf from '@tensorflow/tfjs';
import { ResNetTeacher, type ResNetArch } from '../backbones/resnet';
import { kdLoss } from '../losses/kd';
import { contrastLoss, permuteRows, REFERENCE_SEPARATION } from '../losses/separation';
import { sinkhornDivergenceAsync } from '../losses/sinkhorn';
import { topkIndices, tripletLoss } from '../losses/triplet';
import { buildMemoryBank, disposeMemoryBank, selectReference } from '../model/memory-bank';
import { createMsff, msffForward, type MsffChannels } from '../model/msff';
import { createOcbe, ocbeForward } from '../model/ocbe';
import { RD_CONFIGS } from '../model/rd-config';
import { createStudent, studentForward, studentTransposedConvs } from '../model/student';
import { EVAL, ParamStore, Scope, TRAIN, type Mode } from '../nn/params';
import { loadTorchWeights } from '../nn/torch-weights';
import { levelAnomalyMaps, scoreBatch } from '../scoring/anomaly-map';
import {
  goldenArray,
  goldenScalar,
  nhwcTensor,
  rangeError,
  ReportSink,
  scalarError,
  TOLERANCE,
  type Fixture,
} from './compare';

/**
 * The forward checks of each golden fixture (golden README sections 1–7), on whatever TF.js backend
 * is active. Each runner loads the fixture's weights/inputs exactly like the Node tests do and
 * reports one row per golden tensor. Gradients are left to the Node tests: they need the tape,
 * which is the same code on every backend.
 */

type Levels = [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
export type FixtureRunner = (g: Fixture, sink: ReportSink) => Promise<void>;

const LEVELS = [0, 1, 2] as const;

function levels(g: Fixture, name: (l: number) => string): Levels {
  return LEVELS.map((l) => nhwcTensor(goldenArray(g, name(l)))) as Levels;
}

/** Max error over several NCHW-free buffers (running statistics), reported as one row. */
async function maxBufferError(store: ParamStore, g: Fixture, prefix: string): Promise<[number, number]> {
  let worst = 0;
  let count = 0;
  for (const key of g.keys()) {
    if (!key.startsWith(prefix)) continue;
    const ours = await store.get(key.slice(prefix.length)).data();
    worst = Math.max(worst, rangeError(ours, goldenArray(g, key).data));
    count++;
  }
  return [worst, count];
}

function backbone(arch: ResNetArch): FixtureRunner {
  return async (g, sink) => {
    const teacher = ResNetTeacher.fromTorch(arch, g, 'teacher.');
    try {
      const taps = tf.tidy(() => teacher.featuresRaw(nhwcTensor(goldenArray(g, 'input.x')) as tf.Tensor4D));
      for (const [i, name] of ['layer1', 'layer2', 'layer3'].entries()) {
        await sink.tensor(`output.${name}`, taps[i], g, `output.${name}`, TOLERANCE.forward);
      }
      tf.dispose(taps);
    } finally {
      teacher.dispose();
    }
  };
}

/** OCBE (`bn.`) + reverse student (`student.`), resnet18 sizes: eval forward, then a train forward. */
const ocbeStudent: FixtureRunner = async (g, sink) => {
  const cfg = RD_CONFIGS.resnet18;
  const store = new ParamStore();
  const bn = new Scope(store, 'bn');
  const student = new Scope(store, 'student');
  createOcbe(bn, cfg, 5);
  createStudent(student, cfg, 5);
  const transposed = studentTransposedConvs(cfg);
  const f = levels(g, (l) => `input.f${l}`);
  try {
    loadTorchWeights(store, g, {
      transposed: (n) => n.startsWith('student.') && transposed.has(n.slice('student.'.length)),
      ignore: (n) => !n.startsWith('bn.') && !n.startsWith('student.'),
      label: 'resnet18 OCBE/student',
    });
    // Eval first: the train forward moves the running statistics.
    for (const [mode, out, tol] of [
      [EVAL, 'output', TOLERANCE.forward],
      [TRAIN, 'output_train', TOLERANCE.trainForward],
    ] as [Mode, string, number][]) {
      const r = tf.tidy(() => {
        const ocbe = ocbeForward(bn, cfg, f, mode);
        const de = studentForward(student, cfg, ocbe, mode);
        return { ocbe, de, kd: kdLoss(f, de) };
      });
      await sink.tensor(`${out}.ocbe`, r.ocbe, g, `${out}.ocbe`, tol);
      for (const l of LEVELS) await sink.tensor(`${out}.de${l}`, r.de[l], g, `${out}.de${l}`, tol);
      await sink.scalar(`${out}.kd_loss`, r.kd, g, `${out}.kd_loss`, TOLERANCE.scalarLoss);
      tf.dispose([r.ocbe, ...r.de, r.kd]);
    }
    const [err, n] = await maxBufferError(store, g, 'state_train.');
    sink.add(`state_train.* (${n} BN running stats, max)`, err, TOLERANCE.trainForward, 'range');
  } finally {
    tf.dispose(f);
    store.dispose();
  }
};

/** MSFF with resnet18 /4 channels: eval forward and its Σout², then a train-mode forward. */
const msff: FixtureRunner = async (g, sink) => {
  const store = new ParamStore();
  const scope = new Scope(store);
  const x = levels(g, (l) => `input.f${l + 1}`);
  try {
    createMsff(scope, x.map((t) => t.shape[3]) as MsffChannels, 1);
    loadTorchWeights(store, g, { prefix: 'msff.', label: 'MSFF (resnet18 / 4)' });
    for (const [mode, out, tol] of [
      [EVAL, 'output', TOLERANCE.forward],
      [TRAIN, 'output_train', TOLERANCE.trainForward],
    ] as [Mode, string, number][]) {
      const outs = msffForward(scope, x, mode);
      for (const l of LEVELS)
        await sink.tensor(`${out}.f${l + 1}_out`, outs[l], g, `${out}.f${l + 1}_out`, tol);
      if (mode === EVAL) {
        const sumsq = tf.tidy(() => tf.addN(outs.map((t) => tf.sum(tf.square(t)))));
        await sink.scalar('output.sumsq', sumsq, g, 'output.sumsq', TOLERANCE.scalarLoss);
        sumsq.dispose();
      }
      tf.dispose(outs);
    }
    const [err, n] = await maxBufferError(store, g, 'state_train.msff.');
    sink.add(`state_train.msff.* (${n} BN running stats, max)`, err, TOLERANCE.forward, 'range');
  } finally {
    tf.dispose(x);
    store.dispose();
  }
};

/** MemoryBank update / _calc_diff / select on the synthetic features (L = 6, k = 2). */
const memoryBank: FixtureRunner = async (g, sink) => {
  const features = levels(g, (l) => `input.mem.l${l}`);
  const query = levels(g, (l) => `input.query.l${l}`);
  const bank = buildMemoryBank([
    { features, sources: Array.from(goldenArray(g, 'input.shuffle_order').data) },
  ]);
  try {
    for (const l of LEVELS) {
      await sink.flat(
        `output.mem_mean.l${l}`,
        bank.levels[l].means,
        g,
        `output.mem_mean.l${l}`,
        TOLERANCE.forward,
      );
    }
    const sel = selectReference(bank, query);
    await sink.flat('output.diff_bank', sel.diff, g, 'output.diff_bank', TOLERANCE.forward);
    const index = await sel.index.data();
    const ref = goldenArray(g, 'output.argmin').data;
    const wrong = Array.from(ref).filter((v, i) => index[i] !== v).length;
    sink.add('output.argmin', wrong, 0, 'mismatch');
    for (const l of LEVELS) {
      await sink.tensor(`output.select.l${l}`, sel.inputs[l], g, `output.select.l${l}`, TOLERANCE.forward);
    }
    tf.dispose([sel.index, sel.diff, ...sel.inputs]);
  } finally {
    disposeMemoryBank(bank);
    tf.dispose([...features, ...query]);
  }
};

/** [N,H,W,C] → [N,H·W·C], as the reference flattens each sample (order does not matter here). */
const flatRows = (x: tf.Tensor4D): tf.Tensor2D => tf.reshape(x, [x.shape[0], -1]);

/** Rows of a [B,W] golden diff bank. */
function bankRows(g: Fixture, name: string): number[][] {
  const a = goldenArray(g, name);
  const [r, c] = a.shape;
  return Array.from({ length: r }, (_, i) => Array.from(a.data.subarray(i * c, (i + 1) * c)));
}

/** Loss values: kd, Separation_loss (Sinkhorn ≈ 0 + contrast), generic Sinkhorn g1/g2, triplet. */
const losses: FixtureRunner = async (g, sink) => {
  const kdA = levels(g, (l) => `input.kd.a.l${l}`);
  const kdB = levels(g, (l) => `input.kd.b.l${l}`);
  const normal = levels(g, (l) => `input.sep.normal.l${l}`);
  const noise = levels(g, (l) => `input.sep.noise.l${l}`);
  const nMem = levels(g, (l) => `input.triplet.normal_mem.l${l}`);
  const aMem = levels(g, (l) => `input.triplet.abnormal_mem.l${l}`);
  try {
    const kd = kdLoss(kdA, kdB);
    await sink.scalar('output.kd_loss', kd, g, 'output.kd_loss', TOLERANCE.scalarLoss);
    kd.dispose();

    // separationLoss reads the Sinkhorn costs with dataSync; on WebGPU inside a worker that readSync
    // (TF.js stages it through an OffscreenCanvas 'webgpu' context) loses the device. The same terms,
    // composed as separationLoss does, through the async Sinkhorn and contrastLoss.
    const perm = Array.from(goldenArray(g, 'input.sep.perm').data);
    const { margin, contrastWeight } = REFERENCE_SEPARATION;
    const sinkhorns: tf.Scalar[] = [];
    const contrasts: tf.Scalar[] = [];
    for (const l of LEVELS) {
      const [x, y] = tf.tidy(() => {
        const x = tf.softmax(flatRows(normal[l])) as tf.Tensor2D;
        return [x, permuteRows(x, perm)];
      });
      sinkhorns.push(await sinkhornDivergenceAsync(x, y));
      tf.dispose([x, y]);
      contrasts.push(tf.tidy(() => contrastLoss(flatRows(noise[l]), flatRows(normal[l]), margin)));
      // Both sides are rounding noise around 0 (README: test as |x| < 1e-6, not as parity).
      const s = (await sinkhorns[l].data())[0];
      sink.add(`output.sep_sinkhorn.l${l} (|x|)`, Math.abs(s), TOLERANCE.nearZero, 'abs');
      const name = `output.sep_contrast.l${l}`;
      await sink.scalar(name, contrasts[l], g, name, TOLERANCE.scalarLoss);
    }
    const sums = tf.tidy(() => {
      const contrastSum = tf.addN(contrasts);
      return { contrastSum, total: tf.add(tf.addN(sinkhorns), tf.mul(contrastSum, contrastWeight)) };
    });
    const tol = TOLERANCE.scalarLoss;
    await sink.scalar('output.sep_contrast_sum', sums.contrastSum, g, 'output.sep_contrast_sum', tol);
    await sink.scalar('output.sep_loss', sums.total, g, 'output.sep_loss', tol);
    tf.dispose([...sinkhorns, ...contrasts, sums.contrastSum, sums.total]);

    for (const name of ['g1', 'g2']) {
      const [x, y] = ['x', 'y'].map((s) => {
        const a = goldenArray(g, `input.sinkhorn_${name}.${s}`);
        return tf.tensor2d(a.data as Float32Array, a.shape as [number, number]);
      });
      const v = await sinkhornDivergenceAsync(x, y);
      await sink.scalar(`output.sinkhorn_${name}`, v, g, `output.sinkhorn_${name}`, TOLERANCE.scalarLoss);
      tf.dispose([x, y, v]);
    }

    const dn = bankRows(g, 'input.triplet.normal_diff_bank');
    const da = bankRows(g, 'input.triplet.abnormal_diff_bank');
    for (const [bank, name] of [
      [dn, 'debug.triplet.N_index'],
      [da, 'debug.triplet.A_index'],
    ] as const) {
      const ours = topkIndices(bank, 3).flat();
      const ref = goldenArray(g, name).data;
      sink.add(name, ours.filter((v, i) => v !== ref[i]).length, 0, 'mismatch');
    }
    const tri = tripletLoss(nMem, dn, aMem, da);
    await sink.scalar('output.triplet_loss', tri.total, g, 'output.triplet_loss', TOLERANCE.scalarLoss);
    tf.dispose([...tri.perLevel, tri.total]);
  } finally {
    tf.dispose([...kdA, ...kdB, ...normal, ...noise, ...nMem, ...aMem]);
  }
};

/** cal_anomaly_map at 64×64, Gaussian blur σ 4, top-100 score, for the three feature pairs. */
const anomalyMap: FixtureRunner = async (g, sink) => {
  for (const p of ['p0', 'p1', 'p2']) {
    const fs = levels(g, (l) => `input.${p}.fs.l${l}`);
    const ft = levels(g, (l) => `input.${p}.ft.l${l}`);
    const maps = levelAnomalyMaps(fs, ft, 64, 64);
    for (const l of LEVELS) {
      await sink.flat(
        `debug.${p}.level_map.l${l}`,
        maps[l],
        g,
        `debug.${p}.level_map.l${l}`,
        TOLERANCE.forward,
      );
    }
    const r = scoreBatch(fs, ft, { outH: 64, outW: 64 });
    await sink.flat(`output.${p}.amap`, r.amap, g, `output.${p}.amap`, TOLERANCE.forward);
    await sink.flat(`output.${p}.amap_blur`, r.blurred, g, `output.${p}.amap_blur`, TOLERANCE.forward);
    const score = (await r.score.data())[0];
    sink.add(
      `output.${p}.score`,
      scalarError(score, goldenScalar(g, `output.${p}.score`)),
      TOLERANCE.scalarLoss,
      'scalar',
    );
    tf.dispose([...fs, ...ft, ...maps, r.amap, r.blurred, r.score]);
  }
};

/** Fixture name (file name without `.safetensors[.gz]`) → its forward checks. */
export const FIXTURE_RUNNERS: Record<string, FixtureRunner> = {
  backbone_resnet18: backbone('resnet18'),
  backbone_resnet50: backbone('resnet50'),
  ocbe_student_resnet18: ocbeStudent,
  msff_resnet18: msff,
  memory_bank: memoryBank,
  losses,
  anomaly_map: anomalyMap,
};
