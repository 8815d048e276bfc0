import { describe, expect, it } from 'vitest';
import { resizeMask } from '../../src/core/data/resize';
import { generateDemoDataset } from '../../src/core/demo/generate';
import { LiveSchedule, liveMetrics, pickLiveSet } from '../../src/core/pipeline/live-maps';
import { stripScale } from '../../src/ui/train/live-scale';

const demo = generateDemoDataset({ seed: 3, size: 32, train: 8, testGood: 3, perDefect: 2 });

describe('live images', () => {
  it('takes defects one type at a time, then two good parts, from the test set', () => {
    const set = pickLiveSet(demo, 6);
    expect(set.source).toBe('test');
    expect(set.items.map((it) => it.kind)).toEqual(['hole', 'missing', 'scratch', 'stain', 'good', 'good']);
    expect(set.items.every((it) => it.split === 'test')).toBe(true);
    expect(set.items.slice(0, 4).every((it) => it.label === 1 && it.mask !== null)).toBe(true);
    expect(set.images).toHaveLength(6);
    expect(set.images[0].height).toBe(32);
    // Always the same images for the same dataset.
    expect(pickLiveSet(demo, 6).items).toEqual(set.items);
  });

  it('uses training images with synthetic anomalies when there is no test set', () => {
    const set = pickLiveSet({ ...demo, test: [] }, 4);
    expect(set.source).toBe('synthetic');
    expect(set.items.map((it) => it.index)).toEqual([4, 5, 6, 7]);
    expect(set.items.map((it) => it.kind)).toEqual(['synthetic', 'good', 'synthetic', 'good']);
    expect(set.items[1].mask).toBeNull();
  });

  it('scores image and pixel AUROC on the set, NaN where a class is missing', () => {
    const set = pickLiveSet(demo, 6);
    const s = 16;
    const maps = new Float32Array(6 * s * s);
    // A perfect map: 1 exactly on the masks brought to the map size.
    set.items.forEach((it, i) => {
      if (it.mask) maps.set(resizeMask(it.mask, 32, 32, s, s, { method: 'nearest' }), i * s * s);
    });
    const m = liveMetrics(set, 32, maps, [4, 3, 2, 1, 0, 0.5], s);
    expect(m.imageAuroc).toBe(1);
    expect(m.pixelAuroc).toBe(1);
    const good = { ...set, items: set.items.filter((it) => it.label === 0) };
    expect(liveMetrics(good, 32, new Float32Array(2 * s * s), [0, 0], s).imageAuroc).toBeNaN();
  });
});

describe('live schedule', () => {
  it('scores after the first step, then only while the run stays within its share of training time', () => {
    const sch = new LiveSchedule(0.1, 3000);
    sch.trained(1000);
    expect(sch.due()).toBe(true);
    sch.scored(500);
    sch.trained(3000);
    // 500 ms spent, 500 for the next and 500 kept for the last step: 1.5 s > 10 % of 4 s.
    expect(sch.due()).toBe(false);
    sch.trained(11_000);
    expect(sch.due()).toBe(true); // 1.5 s = 10 % of 15 s
    sch.scored(100);
    sch.trained(1000);
    expect(sch.due()).toBe(false); // cheap, but within the minimum gap
    sch.trained(2000);
    expect(sch.due()).toBe(true);
    expect(sch.overhead()).toBeCloseTo(600 / 18_000);
  });

  it('keeps a long run with its last step’s scoring within the share, the first costly scoring included', () => {
    const sch = new LiveSchedule(0.1, 0);
    let scorings = 0;
    for (let step = 0; step < 2000; step++) {
      sch.trained(step === 0 ? 3000 : 100); // the first step and scoring compile their kernels
      if (sch.due()) {
        sch.scored(scorings++ === 0 ? 2000 : 50);
      }
    }
    sch.scored(50);
    expect(scorings).toBeGreaterThan(100);
    expect(sch.overhead()).toBeLessThanOrEqual(0.1);
    expect(sch.overhead()).toBeGreaterThan(0.09);
  });
});

describe('strip colour scale', () => {
  it('starts the colours above the highest value on the good parts', () => {
    const maps = Float32Array.of(0.1, 0.9, 0.2, 0.4);
    const scale = stripScale(maps, 1, [1, 1, 0, 0]);
    expect(scale.fromGood).toBe(true);
    expect(scale.min).toBeCloseTo(0.1);
    expect(scale.max).toBeCloseTo(0.9);
    expect(scale.threshold).toBeCloseTo(0.4);
    const noGood = stripScale(maps, 1, [1, 1, 1, 1]);
    expect(noGood.fromGood).toBe(false);
    expect(noGood.threshold).toBeCloseTo(0.5);
  });
});
