import { describe, expect, it } from 'vitest';
import { maxF1, rocCurve } from '../../src/core/metrics';
import { colormapLut } from '../../src/ui/results/colormaps';
import { boundary, composeOverlay, lutIndex, MASK_RGB, SEG_RGB } from '../../src/ui/results/overlay';
import { byScore } from '../../src/ui/results/order';
import { confusionAt, scoreHistogram, thinCurve } from '../../src/ui/results/threshold';

const rgb = (lut: Uint8ClampedArray, k: number): number[] => [lut[k * 3], lut[k * 3 + 1], lut[k * 3 + 2]];

describe('colour maps', () => {
  it('match the matplotlib / MATLAB end and middle colours', () => {
    expect(rgb(colormapLut('jet'), 0)).toEqual([0, 0, 128]);
    expect(rgb(colormapLut('jet'), 255)).toEqual([128, 0, 0]);
    // jet(0.5): r = b = 0.5, g = 1; entry 128 is t = 0.502, so r and b differ by a few levels.
    const mid = rgb(colormapLut('jet'), 128);
    expect(mid[1]).toBe(255);
    expect(Math.abs(mid[0] - mid[2])).toBeLessThanOrEqual(5);
    // matplotlib viridis(0) = #440154, viridis(1) = #fde725; inferno(0) = #000004, inferno(1) = #fcffa4.
    expect(rgb(colormapLut('viridis'), 0)).toEqual([68, 1, 84]);
    expect(rgb(colormapLut('viridis'), 255)).toEqual([253, 231, 37]);
    expect(rgb(colormapLut('inferno'), 0)).toEqual([0, 0, 4]);
    expect(rgb(colormapLut('inferno'), 255)).toEqual([252, 255, 164]);
  });

  it('viridis and inferno grow monotonically in luminance', () => {
    for (const name of ['viridis', 'inferno'] as const) {
      const lut = colormapLut(name);
      let prev = -1;
      for (let k = 0; k < 256; k++) {
        const [r, g, b] = rgb(lut, k);
        const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        expect(y).toBeGreaterThanOrEqual(prev - 0.5);
        prev = y;
      }
    }
  });
});

describe('overlay composition', () => {
  it('traces the boundary of a square, closed at the image edge', () => {
    const size = 6;
    const inside = (i: number): boolean => {
      const x = i % size;
      const y = Math.floor(i / size);
      return x >= 1 && x <= 4 && y >= 1 && y <= 4;
    };
    const edges = boundary(inside, size);
    // A 4x4 square has 12 boundary pixels and a 2x2 interior.
    expect(edges.reduce((a, b) => a + b, 0)).toBe(12);
    expect(edges[2 * size + 2]).toBe(0);
    expect(edges[1 * size + 1]).toBe(1);
    // A region filling the whole image is outlined along the image border.
    expect(boundary(() => true, 4).reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('blends the colour-mapped map with the image and paints both contours', () => {
    const size = 4;
    const n = size * size;
    const image = new Uint8ClampedArray(n * 4).fill(100);
    const map = new Float32Array(n);
    const mask = new Uint8Array(n);
    map[5] = 1; // the hot pixel, also the only mask pixel
    mask[5] = 1;
    const base = { min: 0, max: 1, colormap: 'jet' as const, showMask: false, segThreshold: null };
    const half = composeOverlay({ size, image, map, mask }, { ...base, opacity: 0.5 });
    const cold = rgb(colormapLut('jet'), 0);
    expect(Array.from(half.slice(0, 4))).toEqual(
      [50, 50, 114, 255].map((v, c) => (c < 3 ? Math.round(50 + cold[c] / 2) : v)),
    );
    const none = composeOverlay({ size, image, map, mask }, { ...base, opacity: 0 });
    expect(Array.from(none.slice(20, 24))).toEqual([100, 100, 100, 255]);

    const seg = composeOverlay({ size, image, map, mask }, { ...base, opacity: 0, segThreshold: 0.5 });
    expect(Array.from(seg.slice(20, 23))).toEqual([...SEG_RGB]);
    const both = composeOverlay(
      { size, image, map, mask },
      { ...base, opacity: 0, segThreshold: 0.5, showMask: true },
    );
    // The ground truth is drawn last, on top of the segmentation.
    expect(Array.from(both.slice(20, 23))).toEqual([...MASK_RGB]);
    expect(Array.from(both.slice(0, 3))).toEqual([100, 100, 100]);
  });

  it('clamps values outside the shared range', () => {
    expect(lutIndex(-5, 0, 1)).toBe(0);
    expect(lutIndex(5, 0, 1)).toBe(255);
    expect(lutIndex(0.5, 0, 1)).toBe(128);
    expect(lutIndex(3, 3, 3)).toBe(0);
  });
});

describe('threshold analysis', () => {
  const scores = [0.1, 0.35, 0.4, 0.8, 0.2, 0.7, 0.65, 0.3, 0.9, 0.05];
  const labels = [0, 1, 0, 1, 0, 1, 0, 0, 1, 0];

  it('counts the confusion matrix with score >= threshold as anomalous', () => {
    const c = confusionAt(scores, labels, 0.4);
    expect(c).toMatchObject({ tp: 3, fn: 1, fp: 2, tn: 4 });
    expect(c.tpr).toBeCloseTo(0.75, 12);
    expect(c.fpr).toBeCloseTo(2 / 6, 12);
  });

  it('reproduces the F1-max of the metrics module at its threshold', () => {
    const best = maxF1(labels, scores);
    const c = confusionAt(scores, labels, best.threshold);
    const f1 = (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
    expect(f1).toBeCloseTo(best.f1, 12);
    expect(c.precision).toBeCloseTo(best.precision, 12);
  });

  it('lands on the ROC curve of the metrics module at every score', () => {
    const roc = rocCurve(labels, scores, { dropIntermediate: false });
    for (const t of scores) {
      const c = confusionAt(scores, labels, t);
      const hit = roc.fpr.some((f, i) => Math.abs(f - c.fpr) < 1e-12 && Math.abs(roc.tpr[i] - c.tpr) < 1e-12);
      expect(hit).toBe(true);
    }
  });

  it('bins every score once, the maximum in the last bin', () => {
    const h = scoreHistogram(scores, labels, 5);
    expect(h.normal.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.anomalous.reduce((a, b) => a + b, 0)).toBe(4);
    expect(h.anomalous[4]).toBe(2); // 0.8 and 0.9 in [0.73, 0.9]
    expect(h.min).toBe(0.05);
    expect(h.max).toBe(0.9);
    const flat = scoreHistogram([2, 2], [0, 1], 3);
    expect(flat.max - flat.min).toBe(1);
  });

  it('thins long curves but keeps both ends', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const pts = thinCurve(x, x, 100);
    expect(pts.length).toBeLessThanOrEqual(102);
    expect(pts[0]).toEqual({ x: 0, y: 0 });
    expect(pts[pts.length - 1]).toEqual({ x: 1, y: 1 });
    expect(thinCurve([0, 1], [0, 1])).toHaveLength(2);
  });

  it('orders images most anomalous first, ties in dataset order', () => {
    expect(byScore([0.2, 0.9, 0.2, 0.5])).toEqual([1, 3, 0, 2]);
  });
});
