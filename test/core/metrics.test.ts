import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN } from '../helpers/golden';
import {
  connectedComponents,
  evaluate,
  findRegions,
  maxF1,
  pro,
  rocAuc,
  rocCurve,
  sortDescending,
  trapezoid,
  type MaxF1,
} from '../../src/core/metrics';

interface GoldenF1 extends MaxF1 {
  n_curve_points: number;
}
interface GoldenCase {
  inputs: {
    maps: number[];
    maps_shape: [number, number, number];
    masks: number[];
    labels: number[];
    image_scores: number[];
  };
  results: {
    image_auroc: number;
    pixel_auroc: number;
    aupro_repo_full_range: number;
    'aupro_mvtec_0.3': number;
    'aupro_mvtec_0.3_unnormalised': number;
    pro_curve_n_points: number;
    n_regions_per_image_8conn: number[];
    n_regions_per_image_4conn: number[];
    max_f1_image: GoldenF1;
    max_f1_pixel: GoldenF1;
    pro_curve_fpr?: number[];
    pro_curve_pro?: number[];
  };
}

const golden = JSON.parse(readFileSync(resolve(GOLDEN, 'metrics.json'), 'utf8')) as {
  cases: Record<string, GoldenCase>;
};
const CASES = Object.entries(golden.cases);

function expectF1(actual: MaxF1, ref: GoldenF1, tol: number): void {
  expect(Math.abs(actual.f1 - ref.f1)).toBeLessThan(tol);
  expect(Math.abs(actual.precision - ref.precision)).toBeLessThan(tol);
  expect(Math.abs(actual.recall - ref.recall)).toBeLessThan(tol);
  // The threshold is one of the float32 scores: identical, not merely close.
  expect(actual.threshold).toBe(ref.threshold);
}

describe('metrics against sklearn / the reference (metrics.json)', () => {
  it('has the four cases', () => {
    expect(CASES.map(([k]) => k).sort()).toEqual([
      'A_blobs_0to3',
      'B_ties',
      'C_diagonal_touching',
      'D_soft_mask_edges',
    ]);
  });

  for (const [name, c] of CASES) {
    describe(name, () => {
      const { inputs: inp, results: ref } = c;
      const maps = Float32Array.from(inp.maps);
      const masks = Float32Array.from(inp.masks);
      const shape = inp.maps_shape;
      const r = evaluate({ maps, masks, shape, imageScores: inp.image_scores, labels: inp.labels });

      it('image and pixel AUROC (1e-12)', () => {
        expect(Math.abs(r.imageAuroc - ref.image_auroc)).toBeLessThan(1e-12);
        expect(Math.abs(r.pixelAuroc - ref.pixel_auroc)).toBeLessThan(1e-12);
        // Stand-alone functions agree with evaluate()'s shared sort.
        expect(rocAuc(inp.labels, inp.image_scores)).toBe(r.imageAuroc);
        expect(rocAuc(masks, maps)).toBe(r.pixelAuroc);
      });

      it('AUPRO full range, MVTec 0.3 and unnormalised (1e-12)', () => {
        expect(Math.abs(r.aupro.fullRange - ref.aupro_repo_full_range)).toBeLessThan(1e-12);
        expect(Math.abs(r.aupro.mvtec03 - ref['aupro_mvtec_0.3'])).toBeLessThan(1e-12);
        expect(Math.abs(r.aupro.mvtec03Unnormalised - ref['aupro_mvtec_0.3_unnormalised'])).toBeLessThan(
          1e-12,
        );
        const p = pro(maps, masks, shape);
        expect(p.curve.fpr.length).toBe(ref.pro_curve_n_points);
        expect(p.fullRange).toBe(r.aupro.fullRange);
      });

      it('regions per image, 8- and 4-connectivity', () => {
        expect(Array.from(r.regions.perImage)).toEqual(ref.n_regions_per_image_8conn);
        expect(Array.from(findRegions(masks, shape, 8).perImage)).toEqual(ref.n_regions_per_image_8conn);
        expect(Array.from(findRegions(masks, shape, 4).perImage)).toEqual(ref.n_regions_per_image_4conn);
      });

      it('max F1, image and pixel level (1e-12, thresholds exact)', () => {
        expectF1(r.f1Image, ref.max_f1_image, 1e-12);
        expectF1(r.f1Pixel, ref.max_f1_pixel, 1e-12);
        expectF1(maxF1(masks, maps), ref.max_f1_pixel, 1e-12);
      });
    });
  }

  it("case B's full PRO curve", () => {
    const c = golden.cases.B_ties;
    const p = pro(Float32Array.from(c.inputs.maps), Float32Array.from(c.inputs.masks), c.inputs.maps_shape);
    const fprRef = c.results.pro_curve_fpr as number[];
    const proRef = c.results.pro_curve_pro as number[];
    expect(p.curve.fpr.length).toBe(fprRef.length);
    // fpr is float32 in the reference too: bit-identical.
    expect(Array.from(p.curve.fpr)).toEqual(fprRef);
    for (let i = 0; i < proRef.length; i++) expect(Math.abs(p.curve.pro[i] - proRef[i])).toBeLessThan(1e-14);
  });

  it('soft mask edges: AUROC/F1 see only == 1, PRO sees > 0', () => {
    const d = golden.cases.D_soft_mask_edges;
    const masks = Float32Array.from(d.inputs.masks);
    const hard = masks.map((v) => (v > 0 ? 1 : 0));
    const maps = Float32Array.from(d.inputs.maps);
    // Binarising the soft ring to 1 changes pixel AUROC but not PRO.
    expect(Math.abs(rocAuc(hard, maps) - d.results.pixel_auroc)).toBeGreaterThan(1e-3);
    expect(pro(maps, hard, d.inputs.maps_shape).fullRange).toBe(
      pro(maps, masks, d.inputs.maps_shape).fullRange,
    );
  });
});

describe('metric edge cases', () => {
  it('all-equal scores give AUROC 0.5 and a single diagonal ROC step', () => {
    const labels = [0, 1, 0, 1, 1, 0, 0];
    const scores = new Float32Array(7).fill(0.3);
    expect(rocAuc(labels, scores)).toBe(0.5);
    const roc = rocCurve(labels, scores);
    expect(Array.from(roc.fpr)).toEqual([0, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 1]);
  });

  it('AUROC by hand: one inverted pair, and a tie counted as half', () => {
    // pos scores 0.9, 0.4; neg 0.5, 0.1 -> 3 of 4 pairs ordered.
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.5, 0.4, 0.1])).toBe(0.75);
    // pos 0.9, 0.5; neg 0.5, 0.1 -> 3 ordered + one tie (1/2).
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1])).toBe(0.875);
    // Float32 (radix) and number[] (comparator) paths agree.
    expect(rocAuc([1, 0, 1, 0], Float32Array.of(0.9, 0.5, 0.5, 0.1))).toBe(0.875);
  });

  it('only one class present: AUROC, F1 and PRO are NaN', () => {
    const maps = Float32Array.of(0.1, 0.2, 0.3, 0.4);
    expect(rocAuc([0, 0, 0, 0], maps)).toBeNaN();
    expect(rocAuc([1, 1, 1, 1], maps)).toBeNaN();
    expect(maxF1([0, 0, 0, 0], maps).f1).toBeNaN();
    const r = evaluate({
      maps,
      masks: new Uint8Array(4),
      shape: [1, 2, 2],
      imageScores: [0.4],
      labels: [0],
    });
    expect(r.imageAuroc).toBeNaN();
    expect(r.pixelAuroc).toBeNaN();
    expect(r.aupro.fullRange).toBeNaN();
    expect(r.aupro.mvtec03).toBeNaN();
    expect(r.f1Pixel.f1).toBeNaN();
  });

  it('single-pixel regions each weigh as much as a large region', () => {
    // One 4x4 image: region a = one pixel (score 0.9), region b = 3 pixels (scores 0.8, 0.2, 0.2).
    const masks = new Uint8Array(16);
    const maps = new Float32Array(16).fill(0.5);
    masks[0] = 1;
    maps[0] = 0.9;
    for (const [i, s] of [
      [10, 0.8],
      [11, 0.2],
      [15, 0.2],
    ]) {
      masks[i] = 1;
      maps[i] = s;
    }
    const p = pro(maps, masks, [1, 4, 4]);
    expect(p.regions.count).toBe(2);
    expect(Array.from(p.regions.sizes)).toEqual([12, 1, 3]);
    // Thresholds 0.9, 0.8, 0.5 (12 normal pixels), 0.2.
    expect(Array.from(p.curve.fpr)).toEqual([0, 0, 0, 1, 1, 1]);
    const proRef = [0, 0.5, (1 + 1 / 3) / 2, (1 + 1 / 3) / 2, 1, 1];
    p.curve.pro.forEach((v, i) => expect(v).toBeCloseTo(proRef[i], 15));
  });

  it('images without defects: PRO ignores their regions but counts their pixels in FPR', () => {
    // Image 0: a 2-pixel defect; image 1: defect-free with one high false positive.
    const masks = Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0);
    const maps = Float32Array.of(0.8, 0.6, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1);
    const p = pro(maps, masks, [2, 2, 2]);
    expect(Array.from(p.regions.perImage)).toEqual([1, 0]);
    // 0.9: one false positive of 6 normal pixels; 0.8, 0.6: the region fills; 0.1: everything.
    expect(Array.from(p.curve.fpr)).toEqual([
      0,
      Math.fround(1 / 6),
      Math.fround(1 / 6),
      Math.fround(1 / 6),
      1,
      1,
    ]);
    expect(Array.from(p.curve.pro)).toEqual([0, 0, 0.5, 1, 1, 1]);
    // Pixel AUROC sees image 1's pixels as negatives: pairs (pos 0.8, 0.6) vs negatives (0.9, 0.1 x5).
    expect(rocAuc(masks, maps)).toBe((2 * 5) / 12);
  });

  it('connected components: diagonal touch is one region in 8- and two in 4-connectivity', () => {
    const mask = Uint8Array.of(1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
    const c8 = connectedComponents(mask, 4, 4, 8);
    const c4 = connectedComponents(mask, 4, 4, 4);
    expect(c8.count).toBe(1);
    expect(Array.from(c8.sizes)).toEqual([10, 6]);
    expect(c4.count).toBe(3);
    expect(Array.from(c4.sizes)).toEqual([10, 4, 1, 1]);
    expect(Array.from(c4.labels)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3]);
  });

  it('trapezoid: interpolates at xMax between samples, stops exactly at a sample, drops non-finite', () => {
    const x = [0, 0.2, 0.4, 1];
    const y = [0, 0.5, 1, 1];
    expect(trapezoid(x, y)).toBeCloseTo(0.05 + 0.15 + 0.6, 15);
    // At 0.3 the line gives y 0.75: 0.05 + 0.5 * (0.5 + 0.75) * 0.1.
    expect(trapezoid(x, y, 0.3)).toBeCloseTo(0.05 + 0.0625, 15);
    expect(trapezoid(x, y, 0.4)).toBeCloseTo(0.05 + 0.15, 15);
    expect(trapezoid([0, NaN, 0.2, 1], [0, 3, 0.5, Infinity])).toBeCloseTo(0.05, 15);
  });

  it('max F1 by hand, ties going to the lowest threshold', () => {
    // Thresholds 0.9 (P 1, R 1/2, F1 2/3), 0.5 (P 2/3, R 1, F1 0.8), 0.1 (P 1/2, R 1, F1 2/3).
    const f = maxF1([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1]);
    expect(f.f1).toBeCloseTo(0.8, 15);
    expect([f.precision, f.recall, f.threshold]).toEqual([2 / 3, 1, 0.5]);
    // Thresholds 0.9 (P 1, R 1/2) and 0.6 (P 1/2, R 1) tie at F1 2/3: the lower one is reported.
    const t = maxF1([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]);
    expect(t.f1).toBeCloseTo(2 / 3, 15);
    expect([t.precision, t.recall, t.threshold]).toEqual([0.5, 1, 0.6]);
  });

  it('radix sort: descending, stable for ties, negatives and -0 handled', () => {
    const s = Float32Array.of(0.5, -1, 0, -0, 3, -2.5, 0.5, 1e-30);
    const { values, payload } = sortDescending(s);
    expect(Array.from(values)).toEqual([3, 0.5, 0.5, 1e-30, 0, 0, -1, -2.5].map(Math.fround));
    expect(Array.from(payload)).toEqual([4, 0, 6, 7, 2, 3, 1, 5]);
    expect(() => sortDescending(Float32Array.of(1, NaN))).toThrow(/NaN/);
    // Many values over several binades, with ties: matches a comparator sort (stable by index).
    const m = 50000;
    const r = Float32Array.from(
      { length: m },
      (_, i) => Math.round(Math.sin(i * 7.31) * 3000) / 1024 ** (i % 3),
    );
    const ref = Array.from({ length: m }, (_, i) => i).sort((a, b) => r[b] - r[a] || a - b);
    const got = sortDescending(r);
    expect(Array.from(got.payload)).toEqual(ref);
    expect(Array.from(got.values)).toEqual(ref.map((i) => (r[i] === 0 ? 0 : r[i])));
  });

  it('decimated curves stay within the point budget and keep both ends', () => {
    const n = 20000;
    const maps = new Float32Array(n);
    const masks = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      masks[i] = i % 100 < 10 ? 1 : 0;
      maps[i] = Math.sin(i * 12.9898) * 0.5 + masks[i] * 0.3;
    }
    const r = evaluate({
      maps,
      masks,
      shape: [2, 100, 100],
      imageScores: [0.1, 0.2],
      labels: [1, 0],
      curvePoints: 64,
    });
    for (const [x, y] of [
      [r.curves.rocPixel.fpr, r.curves.rocPixel.tpr],
      [r.curves.pro.fpr, r.curves.pro.pro],
    ]) {
      expect(x.length).toBeLessThanOrEqual(2 * 64 + 2);
      expect(x.length).toBeGreaterThan(32);
      expect([x[0], y[0], x[x.length - 1], y[y.length - 1]]).toEqual([0, 0, 1, 1]);
    }
    // Thinning only drops points: the full ROC AUC is unaffected.
    expect(r.pixelAuroc).toBe(rocAuc(masks, maps));
  });
});
