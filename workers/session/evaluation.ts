// The evaluation commands: metrics and curves over the test images, and one test image's heatmap.
import * as Comlink from 'comlink';
import { resizeBilinear } from '../../src/core/data/resize';
import { toRgb, type DatasetImages } from '../../src/core/pipeline/dataset';
import type { Evaluation } from '../../src/core/pipeline/evaluate';
import type { ModelSession } from '../../src/core/pipeline/model-session';
import type {
  EvaluationSummary,
  HeatmapData,
  MapThumbnail,
  MetricsSummary,
  SessionCommands,
} from '../session-api';
import { rgbToRgba } from './decode';
import { EVALUATION } from './recovery-guard';
import { guardFor, sessionOnLoadedData } from './recovery';
import { persist, type SessionContext } from './state';

export function evaluationCommands(
  ctx: SessionContext,
): Pick<SessionCommands, 'evaluate' | 'heatmap' | 'mapThumbnail'> {
  const { state, tasks, emit } = ctx;
  return {
    async evaluate(opts) {
      return tasks.run(opts.taskId, async (task) => {
        let s = await sessionOnLoadedData(ctx);
        const evaluateOn = (session: ModelSession): Promise<Evaluation> =>
          session.evaluate({ onProgress: (d, t, m) => task.progress(d, t, m), signal: task.signal });
        const guard = guardFor(ctx, EVALUATION);
        let ev: Evaluation;
        // After a lost device: the model restored from the last checkpoint, evaluated once more.
        if (guard) ({ value: ev, session: s } = await guard.complete(s, evaluateOn, () => task.checkpoint()));
        else ev = await evaluateOn(s);
        state.evaluation = ev;
        const summary = summarizeEvaluation(ev, s, state.run?.id ?? null);
        if (state.run) {
          state.run.metrics = summary.metrics;
          await persist(ctx, state.run.status, false);
          emit({ type: 'evaluation', runId: state.run.id, summary });
        }
        return summary;
      });
    },

    async mapThumbnail(testIndex, px) {
      const ev = state.evaluation;
      if (!ev) throw new Error('Evaluate the model first.');
      const out = mapThumbnail(ev, testIndex, px, mapRange(ev));
      return Comlink.transfer(out, [out.map.buffer]);
    },

    async heatmap(testIndex) {
      const ev = state.evaluation;
      const data = state.data;
      if (!ev || !data) throw new Error('Evaluate the model first.');
      const out = heatmapData(ev, data, testIndex, mapRange(ev));
      return Comlink.transfer(out, [
        out.image.buffer,
        out.map.buffer,
        ...(out.mask ? [out.mask.buffer] : []),
      ]);
    },
  };
}

/** Test image `testIndex`'s map averaged down (or enlarged) to `px` x `px`. */
export function mapThumbnail(
  ev: Evaluation,
  testIndex: number,
  px: number,
  range: { mapMin: number; mapMax: number },
): MapThumbnail {
  if (!(testIndex >= 0 && testIndex < ev.scores.length)) throw new Error(`No test image ${testIndex}.`);
  if (!(Number.isInteger(px) && px > 0))
    throw new Error(`A thumbnail needs a positive integer size, not ${px}.`);
  const n = ev.size * ev.size;
  const own = ev.maps.subarray(testIndex * n, (testIndex + 1) * n); // [S, S], S = ev.size
  const map = resizeBilinear(own, ev.size, ev.size, 1, px, px, { antialias: true });
  return { px, map, ...range };
}

/** The smallest and largest value of every map of an evaluation: the shared colour scale. */
export function mapRange(ev: Evaluation): { mapMin: number; mapMax: number } {
  let mapMin = Infinity;
  let mapMax = -Infinity;
  for (const v of ev.maps) {
    if (v < mapMin) mapMin = v;
    if (v > mapMax) mapMax = v;
  }
  return { mapMin, mapMax };
}

/**
 * A test image at its stored size (the dataset's `size`), its anomaly map resized to that size and
 * its stored mask, for an overlay. The metrics are computed at the model's size; a map shown at that
 * size (128 px for the Quick preset) would be a blurred, blocky copy of the image.
 */
export function heatmapData(
  ev: Evaluation,
  data: DatasetImages,
  testIndex: number,
  range: { mapMin: number; mapMax: number },
): HeatmapData {
  const t = data.test[testIndex];
  if (!t) throw new Error(`No test image ${testIndex}.`);
  const n = ev.size * ev.size;
  const size = data.size;
  const own = ev.maps.subarray(testIndex * n, (testIndex + 1) * n); // [S, S], S = ev.size
  // Enlarging is plain bilinear; a map larger than the stored image is averaged down (antialiased).
  const map =
    ev.size === size
      ? own.slice()
      : resizeBilinear(own, ev.size, ev.size, 1, size, size, { antialias: ev.size > size });
  const mask = t.mask ? t.mask.slice() : null;
  const image = rgbToRgba(toRgb(t, size));
  return { size, mapSize: ev.size, image, map, mask, score: ev.scores[testIndex], ...range };
}

function summarizeEvaluation(ev: Evaluation, session: ModelSession, runId: string | null): EvaluationSummary {
  const m = ev.metrics;
  const metrics: MetricsSummary = {
    imageAuroc: m.imageAuroc,
    pixelAuroc: m.pixelAuroc,
    proFullRange: m.aupro.fullRange,
    proMvtec03: m.aupro.mvtec03,
    f1Image: { f1: m.f1Image.f1, threshold: m.f1Image.threshold },
    f1Pixel: { f1: m.f1Pixel.f1, threshold: m.f1Pixel.threshold },
  };
  const pts = (x: ArrayLike<number>, y: ArrayLike<number>) => ({ x: Array.from(x), y: Array.from(y) });
  return {
    runId,
    config: session.config,
    step: session.stepsDone,
    metrics,
    roc: pts(m.curves.roc.fpr, m.curves.roc.tpr),
    rocPixel: pts(m.curves.rocPixel.fpr, m.curves.rocPixel.tpr),
    pro: pts(m.curves.pro.fpr, m.curves.pro.pro),
    scores: Array.from(ev.scores),
    labels: Array.from(ev.labels),
    selected: Array.from(ev.selected),
    perType: ev.perType,
    msPerImage: ev.msPerImage,
  };
}
