import { describe, expect, it } from 'vitest';
import { detectLayout } from '../../src/core/data/layout';
import { loadDemo } from '../../workers/session/demo-dataset';

describe('loadDemoDataset summary', () => {
  it('matches what the layout detector makes of the same paths as a folder drop', () => {
    const progress: number[] = [];
    const { images, summary } = loadDemo({ taskId: 't', seed: 5, size: 64 }, (d) => progress.push(d));
    const paths = [
      ...images.train.map((t) => t.path),
      ...images.test.map((t) => t.path),
      ...images.test
        .filter((t) => t.mask)
        .map((t) => t.path.replace('/test/', '/ground_truth/').replace('.png', '_mask.png')),
    ];
    const index = detectLayout(paths);
    expect(index.problems).toEqual([]);
    expect(summary.layout).toBe(index.layout);
    expect(summary.category).toBe(index.category);
    expect(summary.counts).toEqual(index.counts);
    expect(summary.train.map((t) => t.path)).toEqual(index.train.map((t) => t.path));
    expect(summary.test.map((t) => [t.path, t.defectType, t.label, t.hasMask])).toEqual(
      index.test.map((t) => [t.path, t.defectType, t.label, t.maskPath !== undefined]),
    );
    expect(summary.size).toBe(64);
    expect(images.train[0].rgb).toHaveLength(64 * 64 * 3);
    expect(progress.at(-1)).toBe(60);
  });
});
