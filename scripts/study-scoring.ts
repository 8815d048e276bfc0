/**
 * How the anomaly map and the image score are read out of one trained model: which teacher levels
 * the map sums, the Gaussian blur's σ, and the image score (max, mean of the top k, mean of the map).
 * The network runs once per test image; every variant is computed from the same per-level maps, so
 * the table compares read-outs of identical weights. The app's read-out (all levels, σ 4, top 100)
 * is marked; its I-AUROC is checked against the app's own evaluation path.
 *   npx vite-node scripts/study-scoring.ts -- --data ../shared/data/magnetic-tile/tile \
 *     --textures ../shared/data/dtd-256 --preset standard --steps 252 --load /tmp/tile.ckpt
 * Flags as in scripts/lib/node-run.ts (train, or `--load` a saved run).
 */
import * as tf from '@tensorflow/tfjs';
import { reconstruct, type Levels } from '../src/core/model/dmgrd';
import { EVAL } from '../src/core/nn/params';
import { evaluate as computeMetrics, rocAuc } from '../src/core/metrics';
import { toBatch, toRgb } from '../src/core/pipeline/dataset';
import {
  gaussianBlur,
  imageScore,
  levelAnomalyMaps,
  REFERENCE_SCORING,
} from '../src/core/scoring/anomaly-map';
import { openNodeRun } from './lib/node-run';

const LEVEL_SETS: readonly (readonly number[])[] = [[0, 1, 2], [1, 2], [0, 1], [0], [1], [2]];
const SIGMAS = [0, 2, 4, 8];
/** Image-score rules as top-k means; Infinity = the whole map's mean. */
const TOP_K = [1, 10, 100, 1000, Infinity];
const ruleName = (k: number): string => (k === 1 ? 'max' : k === Infinity ? 'mean' : `top ${k}`);

async function main(): Promise<void> {
  const { config, data, teacher, session } = await openNodeRun(process.argv.slice(2));
  const s = config.imageSize;
  const n = data.test.length;
  const px = s * s;

  // Per level, the unblurred 1 − cos maps of every test image at the model's size: [N*S*S].
  const levels = [0, 1, 2].map(() => new Float32Array(n * px));
  for (let start = 0; start < n; start += 4) {
    const chunk = data.test.slice(start, start + 4);
    const x = toBatch(
      chunk.map((t) => toRgb(t, data.size)),
      s,
    );
    const maps = tf.tidy(() => {
      const feats = teacher.features(x) as Levels;
      const { student } = reconstruct(session.net, session.banks, feats, {
        paperSelect: config.paperSelect,
        mode: EVAL,
      });
      return levelAnomalyMaps(feats, student, s, s);
    });
    x.dispose();
    for (let l = 0; l < 3; l++) levels[l].set(await maps[l].data(), start * px);
    tf.dispose(maps);
  }
  const masks = new Uint8Array(n * px);
  data.test.forEach((t, i) => {
    if (!t.mask) return;
    if (t.mask.length !== px) throw new Error('masks must be at the model size');
    masks.set(t.mask, i * px);
  });
  const labels = Uint8Array.from(data.test, (t) => t.label);

  const pct = (v: number): string => (100 * v).toFixed(2);
  const header = ['levels', 'σ', 'P-AUROC', 'PRO@0.3', ...TOP_K.map((k) => `I-AUROC ${ruleName(k)}`)];
  const rows: string[][] = [];
  let appScore = NaN;
  for (const set of LEVEL_SETS) {
    for (const sigma of SIGMAS) {
      const summed = new Float32Array(n * px);
      for (const l of set) for (let i = 0; i < summed.length; i++) summed[i] += levels[l][i];
      const mapsT = tf.tensor3d(summed, [n, s, s]);
      const blurred = gaussianBlur(mapsT, sigma, REFERENCE_SCORING.truncate);
      const scores = await Promise.all(
        TOP_K.map(async (k) => {
          const t = imageScore(blurred, Math.min(k, px));
          const v = (await t.data()) as Float32Array;
          t.dispose();
          return v;
        }),
      );
      const maps = (await blurred.data()) as Float32Array;
      tf.dispose([mapsT, blurred]);
      const m = computeMetrics({ maps, masks, shape: [n, s, s], imageScores: scores[2], labels });
      const isApp = set.length === 3 && sigma === REFERENCE_SCORING.sigma;
      if (isApp) appScore = rocAuc(labels, scores[TOP_K.indexOf(config.imageScoreTopK)] ?? scores[2]);
      rows.push([
        `${set.join('+')}${isApp ? ' (app)' : ''}`,
        String(sigma),
        pct(m.pixelAuroc),
        pct(m.aupro.mvtec03),
        ...scores.map((v) => pct(rocAuc(labels, v))),
      ]);
    }
  }
  const app = await session.evaluate();
  console.log(
    `app evaluation: I-AUROC ${pct(app.metrics.imageAuroc)} P-AUROC ${pct(app.metrics.pixelAuroc)} (the table's app row: I-AUROC ${pct(appScore)})`,
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  session.dispose();
  teacher.dispose();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
