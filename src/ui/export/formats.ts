// File contents and names of the results exports: CSV, JSON and heat-map PNG names.
import type { DatasetImageInfo, EvaluationSummary } from '../../../workers/session-api';
import { safeName } from '../../core/export/plan';

export { safeName };

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One row per test image in dataset order: path, label (0 normal / 1 anomalous), image score,
 * defect type, and the prediction at `threshold`. Paths and defect types are blank when the dataset
 * summary is not available (e.g. after a checkpoint import without the dataset panel).
 */
export function resultsCsv(
  summary: EvaluationSummary,
  tests: readonly DatasetImageInfo[] | null,
  threshold: number,
): string {
  const rows = [['path', 'label', 'score', 'defect_type', 'predicted'].join(',')];
  for (let i = 0; i < summary.scores.length; i++) {
    const info = tests?.[i];
    const score = summary.scores[i];
    rows.push(
      [
        csvField(info?.path ?? `test/${i}`),
        summary.labels[i],
        // Full precision: the CSV is for re-analysis, not for reading.
        String(score),
        csvField(info?.defectType ?? ''),
        score >= threshold ? 1 : 0,
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/**
 * The evaluation as pretty JSON (all fields are plain numbers, strings and arrays): which run and
 * configuration it scores first, so a file on its own says what produced it, then `extra` (the
 * dataset, the chosen thresholds), then the figures.
 */
export function resultsJson(summary: EvaluationSummary, extra: Record<string, unknown> = {}): string {
  const { runId, config, ...figures } = summary;
  return `${JSON.stringify({ runId, config, ...extra, ...figures }, null, 2)}\n`;
}

/** `bottle/test/broken_large/000.png` → `heatmap-bottle_test_broken_large_000.png`. */
export function heatmapFileName(path: string | undefined, index: number): string {
  const stem = path ? path.replace(/\.[A-Za-z0-9]+$/, '') : `test-${index}`;
  return `heatmap-${safeName(stem.replace(/[/\\]+/g, '_'))}.png`;
}
