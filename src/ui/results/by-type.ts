// Results per defect type: the rows of the per-type table and the grid's filter by type.
import type { DatasetImageInfo, EvaluationSummary } from '../../../workers/session-api';

/** The type every normal test image is filed under (MVTec's folder name). */
export const NORMAL_TYPE = 'good';

export interface TypeRow {
  type: string;
  /** Test images of this type. */
  count: number;
  /** Flagged anomalous at the image threshold (for `good`: the false positives). */
  flagged: number;
  /** Against all normal test images; null for the normal row. */
  imageAuroc: number | null;
  pixelAuroc: number | null;
  proMvtec03: number | null;
}

/** The type of test image `i`: its defect folder, or `good` for a normal image. */
export function typeOf(
  i: number,
  labels: readonly number[],
  tests: readonly DatasetImageInfo[] | null,
): string {
  if (labels[i] !== 1) return NORMAL_TYPE;
  return tests?.[i]?.defectType ?? 'anomalous';
}

/**
 * One row per type, normal images first, then the defect types by name. A defect type the
 * evaluation has no metrics for (no normal image to compare with) keeps its counts.
 */
export function typeRows(
  summary: EvaluationSummary,
  tests: readonly DatasetImageInfo[] | null,
  threshold: number,
): TypeRow[] {
  const rows = new Map<string, TypeRow>();
  summary.labels.forEach((_, i) => {
    const type = typeOf(i, summary.labels, tests);
    const m = type === NORMAL_TYPE ? undefined : summary.perType[type];
    const row = rows.get(type) ?? {
      type,
      count: 0,
      flagged: 0,
      imageAuroc: m?.imageAuroc ?? null,
      pixelAuroc: m?.pixelAuroc ?? null,
      proMvtec03: m?.proMvtec03 ?? null,
    };
    row.count += 1;
    if (summary.scores[i] >= threshold) row.flagged += 1;
    rows.set(type, row);
  });
  const normal = rows.get(NORMAL_TYPE);
  const defects = [...rows.values()].filter((r) => r !== normal).sort((a, b) => a.type.localeCompare(b.type));
  return normal ? [normal, ...defects] : defects;
}

/** The entries of `order` of type `type` (all of them for null), in the same order. */
export function filterByType(
  order: readonly number[],
  labels: readonly number[],
  tests: readonly DatasetImageInfo[] | null,
  type: string | null,
): number[] {
  return type === null ? [...order] : order.filter((i) => typeOf(i, labels, tests) === type);
}
