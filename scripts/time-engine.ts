/**
 * Rough per-part timings of the engine's hot paths on the Node WASM backend (a random ResNet18
 * teacher, so no weights are needed). For before/after comparisons of engine optimisations, not a
 * benchmark of record (that is `npm run bench:speed`):
 *   npx vite-node scripts/time-engine.ts -- --size 128 --batch 4 --items 12 --steps 4
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ResNetTeacher } from '../src/core/backbones/resnet';
import { validateConfig } from '../src/core/config';
import { buildBank } from '../src/core/model/build-banks';
import { createNetwork, disposeSelection, msff, selectFromBank, type Levels } from '../src/core/model/dmgrd';
import { disposeMemoryBank, gatherItems, similarities } from '../src/core/model/memory-bank';
import { installWasmKernels } from '../src/core/kernels/wasm';
import { filterGrad, inputGrad } from '../src/core/nn/conv';
import { scoreBatch } from '../src/core/scoring/anomaly-map';
import { Rng } from '../src/core/synth/rng';
import { Trainer } from '../src/core/train/trainer';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Median process CPU time (user + system) of `reps` awaited runs after one warm-up: on a shared
 * machine the wall time mostly measures the neighbours, the WASM backend's CPU time does not.
 */
async function time(reps: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    ms.push((c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

async function main(): Promise<void> {
  const size = flag('size', 128);
  const batch = flag('batch', 4);
  const items = flag('items', 12);
  const steps = flag('steps', 4);
  setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  installWasmKernels();
  await tf.setBackend(process.argv.includes('--cpu') ? 'cpu' : 'wasm');
  await tf.ready();
  const config = validateConfig({
    teacher: 'resnet18',
    imageSize: size,
    batchSize: batch,
    memoryItems: items,
    gradNormEvery: 0,
  });
  const teacher = ResNetTeacher.random('resnet18', 7);
  const net = createNetwork('dmgrd', 'resnet18', teacher.channels, 11);
  const images = tf.randomUniform([items, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const pick = (i: number) => tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
  const sources = [...Array(items).keys()];
  const banks = {
    normal: await buildBank(teacher, items, pick, sources),
    abnormal: await buildBank(teacher, items, pick, sources),
  };
  const x = tf.slice(images, [0, 0, 0, 0], [batch, -1, -1, -1]) as tf.Tensor4D;
  const feats = tf.tidy(() => teacher.features(x)) as Levels;
  const trainer = new Trainer(net, teacher, banks, config, new Rng(1));

  const rows: [string, number][] = [];
  rows.push([
    'select (reference, one bank)',
    await time(steps, async () => {
      const s = selectFromBank(banks.normal, feats, false);
      await s.inputs[0].data();
      disposeSelection(s);
    }),
  ]);
  // The pre-batching explorer maps (one broadcast product per batch row), for comparison.
  const l2 = (t: tf.Tensor) => tf.div(t, tf.maximum(tf.sqrt(tf.sum(tf.square(t), -1, true)), 1e-12));
  rows.push([
    'similarity maps, per-row loop (old)',
    await time(steps, async () => {
      const maps = tf.tidy(() =>
        banks.normal.levels.map((level, l) => {
          const qn = l2(feats[l]);
          const mn = l2(level.maps);
          const [b, h, w] = feats[l].shape;
          const rows = Array.from({ length: b }, (_, i) =>
            tf.sum(tf.mul(mn, tf.slice(qn, [i, 0, 0, 0], [1, h, w, -1])), 3),
          );
          return tf.stack(rows);
        }),
      );
      await maps[2].data();
      tf.dispose(maps);
    }),
  ]);
  rows.push([
    'memory inputs, one-hot matmul (kept)',
    await time(steps, async () => {
      const idx = tf.tensor1d([0, 3, 5, 7].slice(0, batch), 'int32');
      const out = tf.tidy(() =>
        banks.normal.levels.map((level, l) =>
          tf.concat([feats[l], tf.squaredDifference(gatherItems(level.maps, idx), feats[l])], 3),
        ),
      );
      await out[2].data();
      tf.dispose([idx, ...out]);
    }),
  ]);
  rows.push([
    'memory inputs (tf.gather, rejected)',
    await time(steps, async () => {
      const idx = tf.tensor1d([0, 3, 5, 7].slice(0, batch), 'int32');
      const out = tf.tidy(() =>
        banks.normal.levels.map((level, l) =>
          tf.concat([feats[l], tf.squaredDifference(tf.gather(level.maps, idx), feats[l])], 3),
        ),
      );
      await out[2].data();
      tf.dispose([idx, ...out]);
    }),
  ]);
  rows.push([
    'explorer similarities (one bank)',
    await time(steps, async () => {
      const s = similarities(banks.normal, feats);
      await s.image.data();
      tf.dispose([s.image, ...s.levels.flatMap((l) => [l.maps, l.image, l.global])]);
    }),
  ]);
  rows.push([
    `scoreBatch ${batch}x${size}px (maps+blur+topk)`,
    await time(steps, async () => {
      const r = scoreBatch(feats, feats, { outH: size, outW: size });
      await r.score.data();
      tf.dispose([r.amap, r.blurred, r.score]);
    }),
  ]);
  const sel = selectFromBank(banks.normal, feats, false);
  rows.push([
    'MSFF train forward (Sinkhorn prepare)',
    await time(steps, async () => {
      const out = msff(net, sel.inputs, { training: true, updateStats: false });
      await out[2].data();
      tf.dispose(out);
    }),
  ]);
  disposeSelection(sel);
  if (!process.argv.includes('--no-train'))
    rows.push([
      'train step (no grad norms)',
      await time(steps, async () => void (await trainer.trainStep(x))),
    ]);
  for (const [cin, h, stride] of [
    [64, 64, 1],
    [256, 16, 1],
    [128, 32, 2],
  ]) {
    const cx = tf.randomNormal([batch, h, h, cin]) as tf.Tensor4D;
    const cw = tf.randomNormal([3, 3, cin, cin]) as tf.Tensor4D;
    const cy = tf.conv2d(cx, cw, stride, 1);
    const tag = `3x3 conv [${batch},${h},${h},${cin}] s${stride}`;
    const run = async (f: () => tf.Tensor) => {
      const t = f();
      await t.data();
      t.dispose();
    };
    rows.push([`${tag} forward`, await time(steps, () => run(() => tf.conv2d(cx, cw, stride, 1)))]);
    rows.push([
      `${tag} dx, tf.conv2dTranspose (old)`,
      await time(steps, () => run(() => tf.conv2dTranspose(cy, cw, cx.shape, stride, 1))),
    ]);
    rows.push([
      `${tag} dx, inputGrad`,
      await time(steps, () => run(() => inputGrad(cy, cw, cx.shape, stride, 1))),
    ]);
    rows.push([
      `${tag} dW, im2col + transposed matmul (old)`,
      await time(steps, () => run(() => im2colFilterGrad(cx, cy, stride))),
    ]);
    rows.push([
      `${tag} dW, filterGrad`,
      await time(steps, () => run(() => filterGrad(cx, cy, cw.shape, stride, 1))),
    ]);
    tf.dispose([cx, cw, cy]);
  }
  for (const [name, ms] of rows) console.log(`${name.padEnd(52)} ${ms.toFixed(1).padStart(9)} ms CPU`);
  trainer.dispose();
  net.store.dispose();
  disposeMemoryBank(banks.normal);
  disposeMemoryBank(banks.abnormal);
  tf.dispose([images, x, ...feats]);
}

/** The filter gradient as the engine computed it before: one im2col matrix, transposed in the matmul. */
function im2colFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, stride: number): tf.Tensor {
  return tf.tidy(() => {
    const [n, ho, wo, cout] = dy.shape;
    const xp = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const cols: tf.Tensor[] = [];
    for (let t = 0; t < 9; t++) {
      const [kh, kw] = [Math.floor(t / 3), t % 3];
      const end = [n, kh + stride * (ho - 1) + 1, kw + stride * (wo - 1) + 1, x.shape[3]];
      cols.push(tf.stridedSlice(xp, [0, kh, kw, 0], end, [1, stride, stride, 1]));
    }
    const patches = tf.reshape(tf.concat(cols, 3), [n * ho * wo, -1]);
    return tf.matMul(patches, tf.reshape(dy, [n * ho * wo, cout]), true, false);
  });
}

void main();
