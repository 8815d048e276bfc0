// The paper's published DM-GRD results per MVTec AD category, and which of them a benchmarked folder
// can be compared with.

/** One category of the paper's MVTec AD tables (fractions, not percent). */
export interface PaperRow {
  source: string;
  /** MVTec AD category folder name. */
  category: string;
  imageAuroc: number;
  pixelAuroc: number;
  /** The paper's PRO, integrated over FPR 0..1 as the authors' code does (our proFullRange). */
  proFullRange: number;
}

const SOURCE = 'DM-GRD (ACCV 2024), Tables 1 and 2, MVTec AD, WideResNet50 teacher';

/**
 * DM-GRD's column of Table 1 (I-AUC / P-AUC) and Table 2 (PRO) of the paper
 * (../shared/seed/dm-grd-accv2024.txt), in percent, with each category's MVTec AD defect types (the
 * folders of its test set besides `good`).
 */
const MVTEC_AD: Record<string, { iauc: number; pauc: number; pro: number; types: string[] }> = {
  carpet: {
    iauc: 100.0,
    pauc: 99.31,
    pro: 99.22,
    types: ['color', 'cut', 'hole', 'metal_contamination', 'thread'],
  },
  grid: {
    iauc: 100.0,
    pauc: 99.32,
    pro: 99.29,
    types: ['bent', 'broken', 'glue', 'metal_contamination', 'thread'],
  },
  leather: { iauc: 100.0, pauc: 99.62, pro: 99.64, types: ['color', 'cut', 'fold', 'glue', 'poke'] },
  tile: {
    iauc: 99.7,
    pauc: 97.13,
    pro: 97.81,
    types: ['crack', 'glue_strip', 'gray_stroke', 'oil', 'rough'],
  },
  wood: { iauc: 99.91, pauc: 96.68, pro: 97.98, types: ['color', 'combined', 'hole', 'liquid', 'scratch'] },
  bottle: { iauc: 100.0, pauc: 98.84, pro: 98.97, types: ['broken_large', 'broken_small', 'contamination'] },
  cable: {
    iauc: 99.68,
    pauc: 98.15,
    pro: 98.04,
    types: [
      'bent_wire',
      'cable_swap',
      'combined',
      'cut_inner_insulation',
      'cut_outer_insulation',
      'missing_cable',
      'missing_wire',
      'poke_insulation',
    ],
  },
  capsule: {
    iauc: 97.3,
    pauc: 98.85,
    pro: 98.49,
    types: ['crack', 'faulty_imprint', 'poke', 'scratch', 'squeeze'],
  },
  hazelnut: { iauc: 100.0, pauc: 99.3, pro: 99.11, types: ['crack', 'cut', 'hole', 'print'] },
  metal_nut: { iauc: 100.0, pauc: 97.14, pro: 97.98, types: ['bent', 'color', 'flip', 'scratch'] },
  pill: {
    iauc: 97.46,
    pauc: 98.51,
    pro: 98.84,
    types: ['color', 'combined', 'contamination', 'crack', 'faulty_imprint', 'pill_type', 'scratch'],
  },
  screw: {
    iauc: 98.54,
    pauc: 99.5,
    pro: 99.49,
    types: ['manipulated_front', 'scratch_head', 'scratch_neck', 'thread_side', 'thread_top'],
  },
  toothbrush: { iauc: 100.0, pauc: 99.4, pro: 98.45, types: ['defective'] },
  transistor: {
    iauc: 99.96,
    pauc: 96.3,
    pro: 97.56,
    types: ['bent_lead', 'cut_lead', 'damaged_case', 'misplaced'],
  },
  zipper: {
    iauc: 99.89,
    pauc: 98.03,
    pro: 98.11,
    types: [
      'broken_teeth',
      'combined',
      'fabric_border',
      'fabric_interior',
      'rough',
      'split_teeth',
      'squeezed_teeth',
    ],
  },
};

/**
 * The paper's row for a dataset, or null when the paper has none: the folder must be named after an
 * MVTec AD category and every defect type it holds must be one of that category's. The name alone is
 * not enough (a magnetic-tile folder named `tile` is not MVTec AD's tile); a subset of the types
 * (e.g. a folder with one defect type) still compares with the category's published figures.
 */
export function paperRowFor(category: string, defectTypes: readonly string[]): PaperRow | null {
  const key = category.toLowerCase();
  const row = Object.hasOwn(MVTEC_AD, key) ? MVTEC_AD[key] : undefined;
  if (!row || defectTypes.length === 0) return null;
  if (!defectTypes.every((t) => row.types.includes(t.toLowerCase()))) return null;
  return {
    source: SOURCE,
    category: key,
    imageAuroc: row.iauc / 100,
    pixelAuroc: row.pauc / 100,
    proFullRange: row.pro / 100,
  };
}
