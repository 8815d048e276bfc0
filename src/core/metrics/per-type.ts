/**
 * Metrics of each defect type on its own: the images of one type against every normal test image,
 * the way a per-defect table splits a test set. A type the model misses (cracks at chance) is hidden
 * in the pooled AUROC when the other types are easy; this shows it.
 */
import { labelPayload, rocAucSorted } from './auroc';
import { findRegions, pixelPayload, proCurveSorted, proIntegrals } from './pro';
import { sortDescending } from './sort';

export interface TypeMetrics {
  /** Test images of this type (every type is scored against all normal images besides). */
  images: number;
  imageAuroc: number;
  pixelAuroc: number;
  /** PRO over FPR [0, 1] and up to FPR 0.3 / 0.3, as in EvaluateResult.aupro. */
  proFullRange: number;
  proMvtec03: number;
}

export interface PerTypeInput {
  /** [N*H*W] anomaly maps, row-major. */
  maps: Float32Array;
  /** [N*H*W] ground-truth masks, as `evaluate` reads them. */
  masks: Float32Array | Uint8Array;
  /** [N, H, W]. */
  shape: readonly [number, number, number];
  /** [N] image scores. */
  imageScores: ArrayLike<number>;
  /** [N] 1 = defective. */
  labels: ArrayLike<number>;
  /** [N] defect type of each image (its test folder); normal images' type is not read. */
  types: readonly string[];
}

/**
 * Per defect type (in order of first appearance among the defective images): image AUROC, pixel
 * AUROC and PRO of that type's images together with all normal images. NaN where a class is missing
 * (no normal image). Pixel metrics use 8-connected regions, as `evaluate` does.
 */
export function evaluateByType(input: PerTypeInput): Record<string, TypeMetrics> {
  const { maps, masks, shape, imageScores, labels, types } = input;
  const [n, h, w] = shape;
  const hw = h * w;
  if (types.length !== n || labels.length !== n || imageScores.length !== n)
    throw new Error(
      `need ${n} types, labels and scores, got ${types.length}, ${labels.length}, ${imageScores.length}`,
    );
  if (maps.length !== n * hw || masks.length !== n * hw)
    throw new Error(`maps and masks must hold ${shape.join('x')} values`);
  const normals: number[] = [];
  const byType = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (labels[i] < 1) normals.push(i);
    else {
      const list = byType.get(types[i]);
      if (list) list.push(i);
      else byType.set(types[i], [i]);
    }
  }
  const out: Record<string, TypeMetrics> = {};
  for (const [type, defective] of byType) {
    const picked = [...normals, ...defective].sort((a, b) => a - b);
    const m = picked.length;
    const subMaps = new Float32Array(m * hw);
    const subMasks = new Float32Array(m * hw);
    picked.forEach((src, dst) => {
      subMaps.set(maps.subarray(src * hw, (src + 1) * hw), dst * hw);
      subMasks.set(masks.subarray(src * hw, (src + 1) * hw), dst * hw);
    });
    const regions = findRegions(subMasks, [m, h, w], 8);
    const pixels = sortDescending(subMaps, pixelPayload(subMasks, regions));
    const pro = proIntegrals(proCurveSorted(pixels, regions));
    const images = sortDescending(
      picked.map((i) => imageScores[i]),
      labelPayload(picked.map((i) => labels[i])),
    );
    out[type] = {
      images: defective.length,
      imageAuroc: rocAucSorted(images),
      pixelAuroc: rocAucSorted(pixels),
      proFullRange: pro.fullRange,
      proMvtec03: pro.mvtec03,
    };
  }
  return out;
}
