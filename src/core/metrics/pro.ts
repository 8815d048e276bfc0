/**
 * Per-region overlap (PRO) curve and its integrals, as the reference (MVTec AD's `compute_pro`, used by
 * DM-GRD) computes them: regions are the 8-connected components of `mask > 0` in each image; pixels are
 * swept by descending score; at the last pixel of each run of equal scores
 *   FPR = (pixels outside every region seen so far) / (all such pixels), rounded to float32 as the
 *         reference does,
 *   PRO = Σ 1/|region| over region pixels seen so far / number of regions (float64),
 * both clipped to ≤ 1; the curve is prefixed by (0, 0) and ends with (1, 1).
 */
import { labelInto, type Connectivity } from './components';
import { isPositive, sortDescending, type SortedPairs } from './sort';
import { trapezoid } from './trapezoid';

export { trapezoid } from './trapezoid';

/** FPR limit of the MVTec AD / RD convention. */
export const MVTEC_FPR_LIMIT = 0.3;

/** Regions of a stack of masks. */
export interface Regions {
  /** [N*H*W] global region id per pixel (1..count), 0 outside every region. */
  ids: Uint32Array;
  /** Number of regions over all images. */
  count: number;
  /** [count + 1] pixels per region; sizes[0] = pixels outside every region. */
  sizes: Float64Array;
  /** [N] regions per image (images without defects have 0 and add nothing to PRO). */
  perImage: Int32Array;
}

/** The PRO curve; fpr holds float32-rounded values (exact in a Float32Array), pro float64. */
export interface ProCurve {
  fpr: Float32Array;
  pro: Float64Array;
}

/** Areas under a PRO curve. */
export interface ProIntegrals {
  /** Over FPR [0, 1]: what the DM-GRD reference reports as PRO. */
  fullRange: number;
  /** Up to FPR 0.3, divided by 0.3: the MVTec AD / RD / PatchCore convention. */
  mvtec03: number;
  /** Up to FPR 0.3, not normalised. */
  mvtec03Unnormalised: number;
}

export interface ProResult extends ProIntegrals {
  curve: ProCurve;
  regions: Regions;
}

/** Finds the regions (`mask > 0`) of N stacked H×W masks. */
export function findRegions(
  masks: ArrayLike<number>, // [N*H*W] row-major
  shape: readonly [number, number, number], // [N, H, W]
  connectivity: Connectivity = 8,
): Regions {
  const [n, h, w] = shape;
  const hw = h * w;
  if (masks.length !== n * hw) throw new Error(`masks length ${masks.length} != ${shape.join('x')}`);
  const ids = new Uint32Array(n * hw);
  const stack = new Int32Array(hw);
  const sizes: number[] = [0];
  const perImage = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const out = ids.subarray(i * hw, (i + 1) * hw);
    perImage[i] = labelInto(masks, i * hw, h, w, connectivity, out, sizes.length, stack, sizes);
  }
  let inRegions = 0;
  for (let k = 1; k < sizes.length; k++) inRegions += sizes[k];
  sizes[0] = n * hw - inRegions;
  return { ids, count: sizes.length - 1, sizes: Float64Array.from(sizes), perImage };
}

/**
 * Bit-0 label (`mask >= 1`) plus region id in bits 1.. for every pixel: the payload that lets pixel AUROC,
 * pixel F1 and PRO share one sort. Overwrites and returns `regions.ids`.
 */
export function pixelPayload(masks: ArrayLike<number>, regions: Regions): Uint32Array {
  const p = regions.ids;
  if (regions.count >= 2 ** 31) throw new Error('too many regions for the payload');
  for (let i = 0; i < p.length; i++) p[i] = (p[i] << 1) | (isPositive(masks[i]) ? 1 : 0);
  return p;
}

/** PRO curve of pixels sorted by `sortDescending` with region ids in payload bits 1.. . */
export function proCurveSorted(sorted: SortedPairs, regions: Regions): ProCurve {
  const { values, payload } = sorted;
  const n = values.length;
  const inv = new Float64Array(regions.count + 1);
  for (let k = 1; k <= regions.count; k++) inv[k] = 1 / regions.sizes[k];
  const nOk = Math.fround(regions.sizes[0]);
  let groups = 0;
  for (let i = 0; i < n; i++) if (i === n - 1 || values[i] !== values[i + 1]) groups++;
  const fpr = new Float32Array(groups + 2);
  const pro = new Float64Array(groups + 2);
  let fp = 0;
  let overlap = 0;
  let j = 1;
  for (let i = 0; i < n; i++) {
    const r = payload[i] >>> 1;
    if (r === 0) fp++;
    else overlap += inv[r];
    if (i === n - 1 || values[i] !== values[i + 1]) {
      // float32 count / float32 total, correctly rounded to float32 like the reference's float32 division.
      const f = Math.fround(Math.fround(fp) / nOk);
      const p = overlap / regions.count;
      fpr[j] = f > 1 ? 1 : f;
      pro[j] = p > 1 ? 1 : p;
      j++;
    }
  }
  fpr[j] = 1;
  pro[j] = 1;
  return { fpr, pro };
}

/** Both integrals of a PRO curve (NaN when the curve has undefined points, i.e. no regions or no normal pixels). */
export function proIntegrals(curve: ProCurve): ProIntegrals {
  const { fpr, pro } = curve;
  for (let i = 0; i < pro.length; i++) {
    if (!Number.isFinite(pro[i]) || !Number.isFinite(fpr[i])) {
      return { fullRange: NaN, mvtec03: NaN, mvtec03Unnormalised: NaN };
    }
  }
  const part = trapezoid(fpr, pro, MVTEC_FPR_LIMIT);
  return {
    fullRange: trapezoid(fpr, pro),
    mvtec03: part / MVTEC_FPR_LIMIT,
    mvtec03Unnormalised: part,
  };
}

/**
 * PRO curve and integrals of N anomaly maps against their masks. Integrals are NaN when there is no
 * region (no defective image) or no pixel outside the regions (the reference would divide by zero).
 */
export function pro(
  maps: Float32Array, // [N*H*W]
  masks: ArrayLike<number>, // [N*H*W]
  shape: readonly [number, number, number], // [N, H, W]
  connectivity: Connectivity = 8,
): ProResult {
  if (maps.length !== masks.length)
    throw new Error(`maps (${maps.length}) and masks (${masks.length}) differ`);
  const regions = findRegions(masks, shape, connectivity);
  const payload = new Uint32Array(regions.ids.length);
  for (let i = 0; i < payload.length; i++) payload[i] = regions.ids[i] << 1;
  const curve = proCurveSorted(sortDescending(maps, payload), regions);
  return { curve, regions, ...proIntegrals(curve) };
}
