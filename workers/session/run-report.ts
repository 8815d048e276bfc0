// The run report's data, gathered from the run, its last evaluation and the Results tab's choices:
// per-defect-type metrics, the images the threshold gets wrong with their overlays, the timings.
import { encodePng, pngDataUrl } from '../../src/core/io/png-writer';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import type { Evaluation } from '../../src/core/pipeline/evaluate';
import type { ModelSession } from '../../src/core/pipeline/model-session';
import type { ResultsChoices, ReportExample, RunReport, TypeRow } from '../../src/report/types';
import { composeOverlay } from '../../src/ui/results/overlay';
import type { DatasetSummary, RunRecord } from '../session-api';
import { heatmapData, mapRange } from './evaluation';

/** Most false positives (and false negatives) a report shows. */
export const REPORT_EXAMPLES = 8;

export interface ReportSources {
  session: ModelSession;
  evaluation: Evaluation;
  data: DatasetImages;
  summary: DatasetSummary;
  run: RunRecord | null;
  choices: ResultsChoices;
  /** Called after each overlay; may throw to cancel. */
  progress: (done: number, total: number) => Promise<void>;
}

export async function collectReport(src: ReportSources): Promise<RunReport> {
  const { evaluation: ev, data, summary, choices, session } = src;
  const scores = Array.from(ev.scores);
  const labels = Array.from(ev.labels);
  const threshold = choices.imageThreshold;
  const fp = scores
    .map((s, i) => ({ s, i }))
    .filter(({ s, i }) => labels[i] === 0 && s >= threshold)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, REPORT_EXAMPLES);
  const fn = scores
    .map((s, i) => ({ s, i }))
    .filter(({ s, i }) => labels[i] === 1 && s < threshold)
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .slice(0, REPORT_EXAMPLES);
  const total = fp.length + fn.length;
  let done = 0;
  const perType: TypeRow[] = Object.entries(ev.perType).map(([defectType, m]) => {
    const own = data.test.flatMap((t, i) => (t.label === 1 && t.defectType === defectType ? [i] : []));
    return {
      defectType,
      count: m.images,
      imageAuroc: m.imageAuroc,
      pixelAuroc: m.pixelAuroc,
      proFullRange: m.proFullRange,
      proMvtec03: m.proMvtec03,
      meanScore: own.reduce((sum, i) => sum + scores[i], 0) / own.length,
      flagged: own.filter((i) => scores[i] >= threshold).length,
    };
  });
  const range = mapRange(ev);
  const example = async ({ i }: { i: number }): Promise<ReportExample> => {
    const heat = heatmapData(ev, data, i, range);
    const rgba = composeOverlay(heat, {
      min: range.mapMin,
      max: range.mapMax,
      opacity: choices.view.opacity,
      colormap: choices.view.colormap,
      showMask: choices.view.showMask,
      segThreshold: choices.view.showSeg ? choices.pixelThreshold : null,
    });
    const overlay = pngDataUrl(encodePng(rgba, heat.size, heat.size));
    await src.progress(++done, total);
    const t = data.test[i];
    return { index: i, path: t.path, defectType: t.defectType, score: scores[i], overlay };
  };
  const falsePositives: ReportExample[] = [];
  for (const e of fp) falsePositives.push(await example(e));
  const falseNegatives: ReportExample[] = [];
  for (const e of fn) falseNegatives.push(await example(e));

  const history = src.run?.history ?? [];
  const trainMs = history.reduce((n, h) => n + h.ms, 0);
  return {
    createdAt: new Date().toISOString(),
    config: session.config,
    dataset: {
      category: summary.category,
      layout: summary.layout,
      size: summary.size,
      counts: summary.counts,
      textures: summary.textures,
      problems: summary.problems.length,
    },
    history,
    evaluation: {
      step: session.stepsDone,
      metrics: {
        imageAuroc: ev.metrics.imageAuroc,
        pixelAuroc: ev.metrics.pixelAuroc,
        proFullRange: ev.metrics.aupro.fullRange,
        proMvtec03: ev.metrics.aupro.mvtec03,
        f1Image: { f1: ev.metrics.f1Image.f1, threshold: ev.metrics.f1Image.threshold },
        f1Pixel: { f1: ev.metrics.f1Pixel.f1, threshold: ev.metrics.f1Pixel.threshold },
      },
      roc: points(ev.metrics.curves.roc.fpr, ev.metrics.curves.roc.tpr),
      rocPixel: points(ev.metrics.curves.rocPixel.fpr, ev.metrics.curves.rocPixel.tpr),
      pro: points(ev.metrics.curves.pro.fpr, ev.metrics.curves.pro.pro),
      scores,
      labels,
      msPerImage: ev.msPerImage,
    },
    perType,
    choices,
    bestImageThreshold: ev.metrics.f1Image.threshold,
    falsePositives,
    falseNegatives,
    examplesShown: REPORT_EXAMPLES,
    times: { trainMs, steps: history.length, msPerStep: history.length ? trainMs / history.length : 0 },
  };
}

const points = (x: ArrayLike<number>, y: ArrayLike<number>) => ({ x: Array.from(x), y: Array.from(y) });
