/**
 * Tells a BatchNorm statistics mismatch from bad weights: trains a session as train-node does (or
 * loads one it saved), then evaluates the same weights with different BatchNorm statistics:
 *   - as trained (the statistics the run ended with: running averages, or `statsBatches`' average);
 *   - each test chunk's own batch statistics (4 images, then 1): no stored statistics at all;
 *   - the equal-weight average over N training batches as training draws them (half synthetic);
 *   - the same average over N batches of clean training images only.
 * It also prints, per level, the mean 1 − cos of the good test images, to show which level departs.
 *   npx vite-node scripts/diagnose-statistics.ts -- --data ../shared/data/mvtec-256/bottle \
 *     --textures ../shared/data/dtd-256 --preset standard --steps 1030 --save /tmp/run.ckpt
 *   npx vite-node scripts/diagnose-statistics.ts -- --data ... --preset standard --steps 1030 --load /tmp/run.ckpt
 * `--batches N` sets the averaging (default 128). Any CONFIG_SCHEMA option is a flag, as in train-node.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from '../src/core/kernels/wasm';
import { loadTeacher } from '../src/core/backbones';
import { validateConfig, type TrainConfig } from '../src/core/config';
import { reconstruct, type Levels } from '../src/core/model/dmgrd';
import type { Mode } from '../src/core/nn/params';
import { decodeSession, encodeSession, restoreTraining } from '../src/core/pipeline/checkpoint';
import { toBatch, toRgb } from '../src/core/pipeline/dataset';
import { evaluateTestSet, type Evaluation } from '../src/core/pipeline/evaluate';
import { presetConfig, PRESET_NAMES, type PresetName } from '../src/core/presets';
import { Session } from '../src/core/pipeline/session';
import { Rng } from '../src/core/synth/rng';
import { levelAnomalyMaps, scoreBatch } from '../src/core/scoring/anomaly-map';
import { parseConfigFlags } from './lib/config-flags';
import { loadMvtecFolder, loadTextureFolder } from './lib/node-dataset';
import { dirReader } from './lib/dir-reader';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Batch statistics without touching the stored ones. */
const BATCH_STATS: Mode = { training: true, updateStats: false };

async function main(): Promise<void> {
  const { config: flags, extra } = parseConfigFlags(process.argv.slice(2));
  if (!extra.data) throw new Error('--data <MVTec category folder> is required');
  const preset = extra.preset as PresetName | undefined;
  if (preset && !PRESET_NAMES.includes(preset))
    throw new Error(`--preset: one of ${PRESET_NAMES.join(', ')}`);
  const config: TrainConfig = validateConfig({ ...(preset ? presetConfig(preset) : {}), ...flags });
  const batches = Number(extra.batches ?? 128);
  setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  installWasmKernels();
  await tf.setBackend('wasm');
  const data = loadMvtecFolder(resolve(extra.data), config.imageSize);
  if (extra.textures) data.textures = loadTextureFolder(resolve(extra.textures), config.imageSize);
  const teacher = await loadTeacher(config.teacher, dirReader(join(ROOT, 'public/teachers', config.teacher)));
  const session = await Session.create(teacher, data, config);
  console.log(`config ${JSON.stringify(config)}`);

  if (extra.load) {
    restoreTraining(session, decodeSession(new Uint8Array(readFileSync(resolve(extra.load)))));
    console.log(`loaded ${extra.load} at step ${session.trainer.step}`);
  } else {
    const t0 = performance.now();
    for (let i = 0; i < config.steps; i++) {
      const r = await session.step();
      if (r.step % 50 === 0 || r.step === config.steps)
        console.log(
          `step ${r.step} kd ${r.loss.kd.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
    }
    if (extra.save) {
      writeFileSync(resolve(extra.save), await encodeSession(session, {}, { optimizer: true }));
      console.log(`saved ${extra.save}`);
    }
  }

  const withMode = (mode: Mode, chunk: number): Promise<Evaluation> =>
    evaluateTestSet(
      data,
      config.imageSize,
      async (images) => {
        const x = toBatch(images, config.imageSize);
        const [maps, scores] = tf.tidy(() => {
          const feats = teacher.features(x) as Levels;
          const { student } = reconstruct(session.net, session.banks, feats, {
            paperSelect: config.paperSelect,
            mode,
          });
          const s = scoreBatch(feats, student, {
            outH: config.imageSize,
            outW: config.imageSize,
            topK: config.imageScoreTopK,
          });
          return [s.blurred, s.score];
        });
        x.dispose();
        const out = {
          maps: (await maps.data()) as Float32Array,
          scores: (await scores.data()) as Float32Array,
          selected: null,
        };
        tf.dispose([maps, scores]);
        return out;
      },
      { chunk },
    );

  /** Mean 1 − cos per level over the good test images, eval mode. */
  const goodLevels = async (): Promise<string> => {
    const good = data.test.filter((t) => t.label === 0);
    const sums = [0, 0, 0];
    for (let i = 0; i < good.length; i += 4) {
      const x = toBatch(
        good.slice(i, i + 4).map((t) => toRgb(t, data.size)),
        config.imageSize,
      );
      const means = tf.tidy(() => {
        const feats = teacher.features(x) as Levels;
        const { student } = reconstruct(session.net, session.banks, feats, {
          paperSelect: config.paperSelect,
          mode: { training: false },
        });
        return tf.stack(levelAnomalyMaps(feats, student, 64, 64).map((m) => tf.sum(tf.mean(m, [1, 2]))));
      });
      x.dispose();
      (await means.data()).forEach((v, l) => (sums[l] += v));
      means.dispose();
    }
    return sums.map((s, l) => `level ${l} ${(s / good.length).toFixed(3)}`).join(', ');
  };

  /** The equal-weight average of the batch statistics of `n` batches drawn by `draw`. */
  const average = async (n: number, draw: (rng: Rng) => tf.Tensor4D): Promise<void> => {
    const rng = new Rng(config.seed + 7);
    for (let k = 0; k < n; k++) {
      const x = draw(rng);
      const done = tf.tidy(() => {
        const feats = teacher.features(x) as Levels;
        const mode: Mode = { training: true, updateStats: true, statsMomentum: 1 / (k + 1) };
        return tf.sum(
          reconstruct(session.net, session.banks, feats, { paperSelect: config.paperSelect, mode })
            .student[0],
        );
      });
      x.dispose();
      await done.data();
      done.dispose();
    }
  };
  const clean = (rng: Rng): tf.Tensor4D =>
    toBatch(
      Array.from({ length: config.batchSize }, () =>
        toRgb(data.train[rng.int(0, data.train.length)], data.size),
      ),
      config.imageSize,
    );

  const report = (name: string, ev: Evaluation): void => {
    const m = ev.metrics;
    const good = ev.scores.filter((_, i) => ev.labels[i] === 0);
    const bad = ev.scores.filter((_, i) => ev.labels[i] === 1);
    const range = (a: Float32Array): string => `${Math.min(...a).toFixed(2)}–${Math.max(...a).toFixed(2)}`;
    console.log(
      `${name.padEnd(34)} I-AUROC ${(100 * m.imageAuroc).toFixed(2)} P-AUROC ${(100 * m.pixelAuroc).toFixed(2)} PRO@0.3 ${(100 * m.aupro.mvtec03).toFixed(2)}  scores good ${range(good)} defective ${range(bad)}`,
    );
  };

  console.log(`as trained, good test images: ${await goodLevels()}`);
  report('as trained', await session.evaluate());
  report('test chunk statistics (4 images)', await withMode(BATCH_STATS, 4));
  report('test image statistics (1 image)', await withMode(BATCH_STATS, 1));
  await session.averageStatistics(batches);
  console.log(`averaged over ${batches} training batches, good test images: ${await goodLevels()}`);
  report(`average of ${batches} training batches`, await session.evaluate());
  await average(batches, clean);
  console.log(`averaged over ${batches} clean batches, good test images: ${await goodLevels()}`);
  report(`average of ${batches} clean batches`, await session.evaluate());
  session.dispose();
  teacher.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
