import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEMO_CATEGORIES,
  DEMO_DEFECTS,
  generateDemoDataset,
  renderDemoSample,
  type DemoDataset,
} from '../../src/core/demo/generate';
import { Rng } from '../../src/core/synth/rng';

function hashOf(ds: DemoDataset): string {
  const h = createHash('sha256');
  for (const t of ds.train) h.update(t.path).update(t.rgb);
  for (const t of ds.test) {
    h.update(t.path).update(t.rgb);
    if (t.mask) h.update(t.mask);
  }
  return h.digest('hex');
}

const count = (m: Uint8Array): number => m.reduce((a, v) => a + v, 0);

describe('demo dataset', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = hashOf(generateDemoDataset({ seed: 3, size: 64, train: 6, testGood: 2, perDefect: 1 }));
    const b = hashOf(generateDemoDataset({ seed: 3, size: 64, train: 6, testGood: 2, perDefect: 1 }));
    const c = hashOf(generateDemoDataset({ seed: 4, size: 64, train: 6, testGood: 2, perDefect: 1 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('has the MVTec layout and counts: 40 train, 8 good + 3 per defect type in test', () => {
    const ds = generateDemoDataset({ seed: 1 });
    expect(ds.size).toBe(128);
    expect(ds.train).toHaveLength(40);
    expect(ds.test).toHaveLength(8 + 3 * DEMO_DEFECTS.length);
    for (const t of ds.train) {
      expect(t.path).toMatch(/^demo-wood\/train\/good\/\d{3}\.png$/);
      expect(t.rgb).toHaveLength(128 * 128 * 3);
    }
    expect(new Set(ds.test.map((t) => t.defectType))).toEqual(new Set(['good', ...DEMO_DEFECTS]));
    for (const t of ds.test) expect(t.path).toBe(`demo-wood/test/${t.defectType}/${t.path.slice(-7)}`);
    // Normal images vary (lighting, phase): no two training images are identical.
    const distinct = new Set(ds.train.map((t) => createHash('sha1').update(t.rgb).digest('hex')));
    expect(distinct.size).toBe(40);
  });

  it('gives masks exactly for defect images, non-empty and small', () => {
    for (const category of DEMO_CATEGORIES) {
      const ds = generateDemoDataset({ seed: 11, size: 96, category, train: 1, testGood: 2, perDefect: 2 });
      for (const t of ds.test) {
        if (t.label === 0) {
          expect(t.defectType).toBe('good');
          expect(t.mask).toBeNull();
        } else {
          expect(t.mask, `${category} ${t.path}`).not.toBeNull();
          const n = count(t.mask!);
          expect(n, `${category} ${t.path}`).toBeGreaterThan(10);
          expect(n / (96 * 96), `${category} ${t.path}`).toBeLessThan(0.15);
        }
      }
    }
  });

  it('changes pixels only inside the mask, and visibly so', () => {
    for (const category of DEMO_CATEGORIES) {
      for (const defect of DEMO_DEFECTS) {
        for (let seed = 0; seed < 3; seed++) {
          const s = renderDemoSample(category, 64, new Rng(100 + seed), defect);
          let changedOutside = 0;
          let diffInside = 0;
          for (let i = 0; i < s.mask.length; i++) {
            const d =
              Math.abs(s.rgb[3 * i] - s.clean[3 * i]) +
              Math.abs(s.rgb[3 * i + 1] - s.clean[3 * i + 1]) +
              Math.abs(s.rgb[3 * i + 2] - s.clean[3 * i + 2]);
            if (s.mask[i]) diffInside += d;
            else if (d > 0) changedOutside++;
          }
          const label = `${category}/${defect}/${seed}`;
          expect(changedOutside, label).toBe(0);
          // Mean change inside the mask: more than 20/255 per channel on average.
          expect(diffInside / (3 * count(s.mask)), label).toBeGreaterThan(20);
        }
      }
    }
  });

  it('renders a good part identical to its clean version with an empty mask', () => {
    const s = renderDemoSample('washer', 64, new Rng(5), null);
    expect(s.rgb).toEqual(s.clean);
    expect(count(s.mask)).toBe(0);
  });

  it('generates a 256 px set and rejects bad sizes', () => {
    const t0 = performance.now();
    const ds = generateDemoDataset({ seed: 2, size: 256 });
    // How long it takes depends on the machine's load: printed, not asserted.
    console.log(`[demo-dataset.test] 256 px set generated in ${(performance.now() - t0).toFixed(0)} ms`);
    for (const t of [...ds.train, ...ds.test]) expect(t.rgb).toHaveLength(256 * 256 * 3);
    for (const t of ds.test) if (t.mask) expect(t.mask).toHaveLength(256 * 256);
    expect(() => generateDemoDataset({ seed: 2, size: 8 })).toThrow(/size/);
  });
});
