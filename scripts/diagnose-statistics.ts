/**
 * Tells a BatchNorm statistics mismatch from bad weights: trains a session as train-node does (or
 * loads one it saved), then evaluates the same weights with different BatchNorm statistics:
 *   - as trained (the statistics the run ended with: running averages, or `statsBatches`' average);
 *   - each test chunk's own batch statistics (4 images, then 1): no stored statistics at all;
 *   - the equal-weight average over N training batches as training draws them (half synthetic);
 *   - the same average over N batches of the same draw left clean.
 * It also prints, per level, the mean 1 − cos of the good test images, to show which level departs.
 *   npx vite-node scripts/diagnose-statistics.ts -- --data ../shared/data/mvtec-256/bottle \
 *     --textures ../shared/data/dtd-256 --preset standard --steps 1030 --save /tmp/run.ckpt
 *   npx vite-node scripts/diagnose-statistics.ts -- --data ... --preset standard --steps 1030 --load /tmp/run.ckpt
 * `--batches N` sets the averaging (default 128). Flags as in scripts/lib/node-run.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { reconstruct, type Levels } from '../src/core/model/dmgrd';
import { EVAL, type Mode } from '../src/core/nn/params';
import { toBatch, toRgb } from '../src/core/pipeline/dataset';
import type { Evaluation } from '../src/core/pipeline/evaluate';
import { levelAnomalyMaps } from '../src/core/scoring/anomaly-map';
import { openNodeRun } from './lib/node-run';

/** Batch statistics without touching the stored ones. */
const BATCH_STATS: Mode = { training: true, updateStats: false };

async function main(): Promise<void> {
  const { config, extra, data, teacher, session } = await openNodeRun(process.argv.slice(2));
  const batches = Number(extra.batches ?? 128);

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
          mode: EVAL,
        });
        return tf.stack(levelAnomalyMaps(feats, student, 64, 64).map((m) => tf.sum(tf.mean(m, [1, 2]))));
      });
      x.dispose();
      (await means.data()).forEach((v, l) => (sums[l] += v));
      means.dispose();
    }
    return sums.map((s, l) => `level ${l} ${(s / good.length).toFixed(3)}`).join(', ');
  };

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
  report('test chunk statistics (4 images)', await session.evaluate({ mode: BATCH_STATS, chunk: 4 }));
  report('test image statistics (1 image)', await session.evaluate({ mode: BATCH_STATS, chunk: 1 }));
  await session.averageStatistics(batches);
  console.log(`averaged over ${batches} training batches, good test images: ${await goodLevels()}`);
  report(`average of ${batches} training batches`, await session.evaluate());
  await session.averageStatistics(batches, { synthetic: false });
  console.log(`averaged over ${batches} clean batches, good test images: ${await goodLevels()}`);
  report(`average of ${batches} clean batches`, await session.evaluate());
  session.dispose();
  teacher.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
