/**
 * Evaluation of an anomaly detector on a test set: image AUROC, pixel AUROC, PRO (both integration
 * conventions) and best F1 at image and pixel level, with plot-ready curves. Pure TypeScript (no TF.js,
 * no DOM), so it runs in a worker, the page or Node. The pixel metrics share one radix sort of all pixels.
 *
 * Label conventions follow the reference's evaluation: AUROC and F1 count a mask pixel as defective when
 * `mask >= 1` (numpy `astype(int)`: a soft 0.5 edge is normal); PRO regions are `mask > 0`.
 */
import { labelPayload, rocAucSorted, rocCurveSorted, thin, type RocCurve } from './auroc';
import type { Connectivity } from './components';
import { maxF1Sorted, type MaxF1 } from './f1';
import { findRegions, pixelPayload, proCurveSorted, proIntegrals, type ProCurve } from './pro';
import { sortDescending } from './sort';

export { rocAuc, rocCurve, thin, type RocCurve, type RocCurveOptions } from './auroc';
export { maxF1, type MaxF1 } from './f1';
export {
  pro,
  findRegions,
  proIntegrals,
  trapezoid,
  MVTEC_FPR_LIMIT,
  type ProCurve,
  type ProIntegrals,
  type ProResult,
  type Regions,
} from './pro';
export { connectedComponents, type Components, type Connectivity } from './components';
export { sortDescending, isPositive, type SortedPairs } from './sort';
export { evaluateByType, type PerTypeInput, type TypeMetrics } from './per-type';

export interface EvaluateInput {
  /** [N*H*W] anomaly maps, row-major. */
  maps: Float32Array;
  /** [N*H*W] ground-truth masks in [0, 1] (or 0/1 bytes). */
  masks: Float32Array | Uint8Array;
  /** [N, H, W]. */
  shape: readonly [number, number, number];
  /** [N] image anomaly scores. */
  imageScores: ArrayLike<number>;
  /** [N] image labels, 1 = defective. */
  labels: ArrayLike<number>;
  /** PRO region connectivity; the reference uses 8. */
  connectivity?: Connectivity;
  /** Point budget of the pixel ROC and PRO curves (see `thin`); default 512. */
  curvePoints?: number;
}

export interface EvaluateResult {
  /** `roc_auc_score(labels, imageScores)`; NaN with a single class. */
  imageAuroc: number;
  /** `roc_auc_score(masks.astype(int), maps)`; NaN with a single class. */
  pixelAuroc: number;
  /** PRO integrals: `fullRange` is what DM-GRD reports, `mvtec03` the MVTec convention; NaN without regions. */
  aupro: { fullRange: number; mvtec03: number; mvtec03Unnormalised: number };
  f1Image: MaxF1;
  f1Pixel: MaxF1;
  /** Regions found for PRO, total and per image. */
  regions: { count: number; perImage: Int32Array };
  curves: {
    /** Image ROC (sklearn `roc_curve`, intermediate points dropped). */
    roc: RocCurve;
    /** Pixel ROC thinned to the point budget. */
    rocPixel: RocCurve;
    /** PRO curve thinned to the point budget. */
    pro: ProCurve;
  };
}

/** Computes every test-set metric. Throws on inconsistent lengths or NaN scores. */
export function evaluate(input: EvaluateInput): EvaluateResult {
  const { maps, masks, shape, imageScores, labels } = input;
  const [n, h, w] = shape;
  const budget = input.curvePoints ?? 512;
  if (maps.length !== n * h * w) throw new Error(`maps length ${maps.length} != ${shape.join('x')}`);
  if (masks.length !== maps.length) throw new Error(`masks length ${masks.length} != ${maps.length}`);
  if (imageScores.length !== n || labels.length !== n) {
    throw new Error(`need ${n} image scores and labels, got ${imageScores.length} and ${labels.length}`);
  }

  const images = sortDescending(imageScores, labelPayload(labels));
  const regions = findRegions(masks, shape, input.connectivity ?? 8);
  const perImage = regions.perImage;
  const pixels = sortDescending(maps, pixelPayload(masks, regions));
  const proFull = proCurveSorted(pixels, regions);
  const keep = thin(proFull.fpr, proFull.pro, 1 / budget);

  return {
    imageAuroc: rocAucSorted(images),
    pixelAuroc: rocAucSorted(pixels),
    aupro: proIntegrals(proFull),
    f1Image: maxF1Sorted(images),
    f1Pixel: maxF1Sorted(pixels),
    regions: { count: regions.count, perImage },
    curves: {
      roc: rocCurveSorted(images),
      rocPixel: rocCurveSorted(pixels, { maxPoints: budget }),
      pro: {
        fpr: Float32Array.from(keep, (i) => proFull.fpr[i]),
        pro: Float64Array.from(keep, (i) => proFull.pro[i]),
      },
    },
  };
}
