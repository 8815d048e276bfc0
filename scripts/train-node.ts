/**
 * Trains and evaluates in Node on the tfjs WASM backend through the same Session the worker uses:
 *   npx vite-node scripts/train-node.ts -- --data ../shared/data/mvtec-256/bottle --teacher mobilenet_v2 --steps 200
 * Any CONFIG_SCHEMA option is a flag (--imageSize 128, --paperSelect true, ...); --maxTrain N and
 * --testEvery K subsample the data; --textures DIR gives the Fourier mix a texture folder (e.g. DTD;
 * the built-in procedural textures otherwise); --evalEvery K also evaluates every K steps, to see
 * when a run's maps get better or worse. Prints every step's loss terms and gradient norms, then
 * metrics.
 * `--demo SEED` trains on the built-in demo dataset generated with that seed (the app's is seed 1)
 * instead of a folder. The last lines give the training time, its CPU time (this process runs one
 * thread, so on an idle machine the two agree) and the load average.
 */
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from '../src/core/kernels/wasm';
import { loadTeacher } from '../src/core/backbones';
import { validateConfig } from '../src/core/config';
import { generateDemoDataset } from '../src/core/demo/generate';
import type { DatasetImages } from '../src/core/pipeline/dataset';
import type { Evaluation } from '../src/core/pipeline/evaluate';
import { Session } from '../src/core/pipeline/session';
import { parseConfigFlags } from './lib/config-flags';
import { loadMvtecFolder, loadTextureFolder } from './lib/node-dataset';
import { dirReader } from './lib/dir-reader';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const { config: flags, extra } = parseConfigFlags(process.argv.slice(2));
  if (!extra.data && !extra.demo)
    throw new Error('--data <MVTec category folder> or --demo <seed> is required');
  const config = validateConfig(flags);
  setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  installWasmKernels();
  await tf.setBackend('wasm');
  const data: DatasetImages = extra.demo
    ? generateDemoDataset({ seed: Number(extra.demo) })
    : loadMvtecFolder(resolve(extra.data), config.imageSize, {
        maxTrain: extra.maxTrain ? Number(extra.maxTrain) : undefined,
        testEvery: extra.testEvery ? Number(extra.testEvery) : undefined,
      });
  if (extra.textures) data.textures = loadTextureFolder(resolve(extra.textures), config.imageSize);
  const teacher = await loadTeacher(config.teacher, dirReader(join(ROOT, 'public/teachers', config.teacher)));
  console.log(
    `data: ${data.train.length} train, ${data.test.length} test, ${data.textures.length || 'procedural'} textures at ${config.imageSize}px; config ${JSON.stringify(config)}`,
  );
  const t0 = Date.now();
  const session = await Session.create(teacher, data, config);
  console.log(
    `memory banks built in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${session.net.store.count()} trainable parameters`,
  );
  const f = (x: number) => x.toExponential(3);
  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const evalEvery = extra.evalEvery ? Number(extra.evalEvery) : 0;
  for (let i = 0; i < config.steps; i++) {
    const r = await session.step();
    const g = r.gradNorm
      ? ` | grad kd ${f(r.gradNorm.kd)} ot ${f(r.gradNorm.ot)} con ${f(r.gradNorm.con)} se ${f(r.gradNorm.se)}`
      : '';
    const sel = r.selected
      ? ` | slots ${r.selected.normal.join(',')} / ${r.selected.abnormal.join(',')}`
      : '';
    console.log(
      `step ${r.step} lr ${r.lr.toExponential(2)} kd ${r.loss.kd.toFixed(4)} ot ${f(r.loss.ot)} con ${r.loss.con.toFixed(4)} se ${r.loss.se.toFixed(4)}${g}${sel} (${r.ms.toFixed(0)} ms)`,
    );
    if (evalEvery > 0 && r.step % evalEvery === 0 && r.step < config.steps)
      console.log(`eval at step ${r.step}: ${metricsLine(await session.evaluate())}`);
  }
  const wall = (performance.now() - wall0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  console.log(
    `training: ${config.steps} steps in ${wall.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (${((1000 * cpu) / config.steps).toFixed(0)} ms a step); load average ${loadBefore} before, ${load()} after`,
  );
  for (const n of session.trainer.notes) console.log(`note: ${n}`);
  if (extra.evaluate !== 'false') {
    const ev = await session.evaluate();
    console.log(metricsLine(ev));
    console.log(peaksOutside(ev.maps, ev.size, data));
  }
  session.dispose();
  teacher.dispose();
}

function metricsLine(ev: Evaluation): string {
  const m = ev.metrics;
  return `I-AUROC ${(100 * m.imageAuroc).toFixed(2)} P-AUROC ${(100 * m.pixelAuroc).toFixed(2)} PRO(0-1) ${(100 * m.aupro.fullRange).toFixed(2)} PRO@0.3 ${(100 * m.aupro.mvtec03).toFixed(2)} (${ev.msPerImage.toFixed(0)} ms/image)`;
}

/**
 * Where the maps of the defect images peak: how many peak outside their mask, and where those peaks
 * sit (x, y as fractions of the side), e.g. a corner every defect lights up.
 */
function peaksOutside(maps: Float32Array, s: number, data: DatasetImages): string {
  const places: string[] = [];
  let defects = 0;
  data.test.forEach((t, i) => {
    if (!t.mask) return;
    defects++;
    let inside = -Infinity;
    let outside = -Infinity;
    let at = 0;
    for (let p = 0; p < s * s; p++) {
      const v = maps[i * s * s + p];
      const [y, x] = [Math.floor(p / s), p % s];
      const m = t.mask[Math.floor((y * data.size) / s) * data.size + Math.floor((x * data.size) / s)];
      if (m) inside = Math.max(inside, v);
      else if (v > outside) [outside, at] = [v, p];
    }
    if (outside > inside)
      places.push(`(${((at % s) / s).toFixed(2)}, ${(Math.floor(at / s) / s).toFixed(2)})`);
  });
  return `maps peaking outside the defect: ${places.length} of ${defects} defect images ${places.join(' ')}`;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
