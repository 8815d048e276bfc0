import { describe, expect, it } from 'vitest';
import { evaluate, evaluateByType } from '../../src/core/metrics';

// Five 2x2 images: two good, two of type "crack", one of type "hole".
const types = ['good', 'crack', 'good', 'hole', 'crack'];
const labels = [0, 1, 0, 1, 1];
const imageScores = [0.1, 0.6, 0.5, 0.05, 0.4];
// prettier-ignore
const maps = Float32Array.from([
  0.1, 0.2, 0.1, 0.3, // good
  0.9, 0.2, 0.1, 0.4, // crack: its defect pixel (top left) scores highest
  0.2, 0.5, 0.1, 0.1, // good
  0.0, 0.6, 0.3, 0.2, // hole: its defect pixel (bottom right) scores low
  0.2, 0.8, 0.7, 0.1, // crack: two defect pixels, one region each (diagonal counts as 8-connected)
]);
// prettier-ignore
const masks = Float32Array.from([
  0, 0, 0, 0,
  1, 0, 0, 0,
  0, 0, 0, 0,
  0, 0, 0, 1,
  0, 1, 1, 0,
]);
const shape = [5, 2, 2] as const;

/** The images at `keep`, evaluated on their own by the pooled evaluation. */
function subset(keep: number[]) {
  const pick = (a: Float32Array) => Float32Array.from(keep.flatMap((i) => [...a.subarray(i * 4, i * 4 + 4)]));
  return evaluate({
    maps: pick(maps),
    masks: pick(masks),
    shape: [keep.length, 2, 2],
    imageScores: keep.map((i) => imageScores[i]),
    labels: keep.map((i) => labels[i]),
  });
}

describe('evaluateByType', () => {
  const byType = evaluateByType({ maps, masks, shape, imageScores, labels, types });

  it('scores each defect type against all good images', () => {
    expect(Object.keys(byType)).toEqual(['crack', 'hole']);
    // crack 0.6 beats both goods, 0.4 beats one of two: 3 of 4 pairs. hole 0.05 beats none.
    expect(byType.crack.imageAuroc).toBe(0.75);
    expect(byType.hole.imageAuroc).toBe(0);
    expect(byType.crack.images).toBe(2);
    expect(byType.hole.images).toBe(1);
    // The pooled figure hides the difference: 3 of 6 pairs.
    expect(evaluate({ maps, masks, shape, imageScores, labels }).imageAuroc).toBe(0.5);
  });

  it('matches the pooled evaluation of the same images, pixel metrics included', () => {
    for (const [type, keep] of [
      ['crack', [0, 1, 2, 4]],
      ['hole', [0, 2, 3]],
    ] as const) {
      const ref = subset([...keep]);
      expect(byType[type].imageAuroc).toBe(ref.imageAuroc);
      expect(byType[type].pixelAuroc).toBe(ref.pixelAuroc);
      expect(byType[type].proFullRange).toBe(ref.aupro.fullRange);
      expect(byType[type].proMvtec03).toBe(ref.aupro.mvtec03);
    }
    expect(byType.crack.pixelAuroc).toBeGreaterThan(byType.hole.pixelAuroc);
  });

  it('gives NaN without good images and rejects mismatched lengths', () => {
    const r = evaluateByType({
      maps: maps.subarray(4, 8),
      masks: masks.subarray(4, 8),
      shape: [1, 2, 2],
      imageScores: [0.6],
      labels: [1],
      types: ['crack'],
    });
    expect(r.crack.imageAuroc).toBeNaN();
    expect(() => evaluateByType({ maps, masks, shape, imageScores, labels, types: types.slice(1) })).toThrow(
      /need 5 types/,
    );
  });
});
