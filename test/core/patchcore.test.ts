import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadTeacher, type Teacher } from '../../src/core/backbones';
import { GreedyCoreset } from '../../src/core/patchcore/coreset';
import { FitClock } from '../../src/core/patchcore/fit-clock';
import { patchDimension, patchFeatures, randomProjection } from '../../src/core/patchcore/features';
import { PatchCore, type PatchCoreOptions } from '../../src/core/patchcore/model';
import { nearestDistances, prepareMemory } from '../../src/core/patchcore/nearest';
import { Rng } from '../../src/core/synth/rng';
import { NODE_BACKENDS, useBackend } from '../helpers/backends';
import { sharedPath } from '../helpers/golden';
import { dirReader } from '../../scripts/lib/dir-reader';

function randomRows(rng: Rng, rows: number, dim: number): Float32Array {
  return Float32Array.from({ length: rows * dim }, () => rng.normal());
}

/** Exact squared distances in float64, the reference for both the search and the coreset. */
function squared(x: Float32Array, i: number, y: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let c = 0; c < dim; c++) s += (x[i * dim + c] - y[j * dim + c]) ** 2;
  return s;
}

describe('nearestDistances', () => {
  for (const backend of NODE_BACKENDS) {
    it(`${backend}: equals a brute-force search, whatever the blocking`, async () => {
      await useBackend(backend);
      const rng = new Rng(5);
      const dim = 7;
      const [q, m] = [1100, 37];
      const queries = randomRows(rng, q, dim);
      const memory = randomRows(rng, m, dim);
      // A query equal to a memory row: its distance must come out 0, not NaN from a negative square.
      queries.set(memory.subarray(3 * dim, 4 * dim), 10 * dim);
      const want = Array.from({ length: q }, (_, i) => {
        let best = Infinity;
        for (let j = 0; j < m; j++) best = Math.min(best, squared(queries, i, memory, j, dim));
        return Math.sqrt(best);
      });
      const qt = tf.tensor2d(queries, [q, dim]);
      const mem = prepareMemory(tf.tensor2d(memory, [m, dim]));
      const before = tf.memory().numTensors;
      // One block of everything; blocks of 4 memory rows (10 of them) and 1024 queries (2 of them).
      for (const blockElements of [undefined, 4096]) {
        const got = nearestDistances(qt, mem, { blockElements });
        expect(tf.memory().numTensors).toBe(before + 1);
        const values = await got.data();
        got.dispose();
        expect(values.length).toBe(q);
        for (let i = 0; i < q; i++) expect(Math.abs(values[i] - want[i])).toBeLessThan(1e-3);
        expect(values[10]).toBeLessThan(1e-3);
      }
      tf.dispose([qt, mem.rows, mem.squaredNorms]);
    });
  }
});

/** Gonzalez' farthest-point traversal measuring every point at every step: the coreset's reference. */
function exhaustiveGreedy(points: Float32Array, dim: number, first: number, k: number): number[] {
  const n = points.length / dim;
  const nearest = new Float64Array(n).fill(Infinity);
  const chosen: number[] = [];
  let next = first;
  while (chosen.length < k) {
    const centre = next;
    chosen.push(centre);
    let far = -1;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], squared(points, i, points, centre, dim));
      if (nearest[i] > far) {
        far = nearest[i];
        next = i;
      }
    }
  }
  return chosen;
}

function coveringRadius(points: Float32Array, dim: number, centres: number[]): number {
  let worst = 0;
  for (let i = 0; i < points.length / dim; i++) {
    let best = Infinity;
    for (const c of centres) best = Math.min(best, squared(points, i, points, c, dim));
    worst = Math.max(worst, best);
  }
  return Math.sqrt(worst);
}

describe('GreedyCoreset', () => {
  it('covers every point within its reported radius, which never grows, and picks like the exhaustive greedy', () => {
    const rng = new Rng(9);
    const dim = 6;
    // Clustered points, as patch features are: the pruning has groups to skip.
    const centres = randomRows(rng, 8, dim).map((v) => 6 * v);
    const points = new Float32Array(600 * dim);
    for (let i = 0; i < 600; i++)
      for (let c = 0; c < dim; c++) points[i * dim + c] = centres[(i % 8) * dim + c] + rng.normal();
    const coreset = new GreedyCoreset(points, dim, 17);
    const k = 80;
    for (let j = 1; j <= k; j++) {
      expect(coreset.add(1)).toBe(1);
      const radius = coreset.radius;
      // The reported radius is the exact covering radius of the centres chosen so far.
      expect(Math.abs(radius - coveringRadius(points, dim, coreset.selected))).toBeLessThan(
        1e-9 * (1 + radius),
      );
      if (j > 1) expect(radius).toBeLessThanOrEqual(coreset.radii[j - 2]);
    }
    expect(coreset.selected).toEqual(exhaustiveGreedy(points, dim, 17, k));
    expect(new Set(coreset.selected).size).toBe(k);
    for (const p of coreset.selected) expect(Number.isInteger(p) && p >= 0 && p < 600).toBe(true);
  });

  it('stops at the distinct points: no duplicate centre, radius 0', () => {
    const dim = 3;
    const distinct = [0, 0, 0, 1, 0, 0, 0, 2, 0];
    const points = Float32Array.from(
      { length: 30 * dim },
      (_, i) => distinct[(((i / dim) % 3) | 0) * dim + (i % dim)],
    );
    const coreset = new GreedyCoreset(points, dim, 4);
    expect(coreset.add(10)).toBe(3);
    expect(coreset.exhausted).toBe(true);
    expect(coreset.radius).toBe(0);
    expect(new Set(coreset.selected.map((p) => p % 3)).size).toBe(3);
  });

  it('stops between centres when asked to', () => {
    const points = randomRows(new Rng(2), 50, 4);
    const coreset = new GreedyCoreset(points, 4, 0);
    let calls = 0;
    expect(coreset.add(20, () => ++calls >= 5)).toBe(5);
    expect(coreset.add(20)).toBe(20);
    expect(coreset.selected).toEqual(exhaustiveGreedy(points, 4, 0, 25));
  });
});

describe('FitClock', () => {
  it('adds the images left at their mean time, then takes the recent time per coreset centre', () => {
    // 10 images of 100 patches: too few for the pilots, so no coreset estimate before it runs.
    const clock = new FitClock(10, 100, 100, 4);
    clock.embedded(4, 800, new Float32Array(1000 * 4));
    expect(clock.remainingMs()).toBe(6 * 200);
    clock.embedded(6, 1000, new Float32Array(1000 * 4));
    expect(clock.remainingMs()).toBe(0);
    // The estimate reads the recent slices that span at least 5 % of the centres (here 19 of them).
    clock.coresetSlice(5, 300, 5000);
    clock.coresetSlice(20, 400, 6000);
    clock.coresetSlice(22, 420, 6100);
    clock.coresetSlice(24, 430, 6200);
    expect(clock.remainingMs()).toBeCloseTo(((430 - 300) / 19) * 76, 9);
  });
});

describe('patchFeatures', () => {
  for (const backend of NODE_BACKENDS) {
    it(`${backend}: 3x3 means over real neighbours, the stride-16 level upsampled and concatenated`, async () => {
      await useBackend(backend);
      const mid = tf.tensor4d(
        Float32Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => (i * 7) % 11),
        [2, 4, 4, 2],
      );
      const deep = tf.tensor4d(
        Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i),
        [2, 2, 2, 3],
      );
      const { patches, h, w } = patchFeatures(mid, deep, null);
      expect([h, w]).toEqual([4, 4]);
      expect(patches.shape).toEqual([2 * 16, 5]);
      const rows = await patches.array();
      const m = await mid.array();
      // Image 1, top-left patch, channel 0: the mean of its 2x2 in-bounds neighbourhood.
      const corner = (m[1][0][0][0] + m[1][0][1][0] + m[1][1][0][0] + m[1][1][1][0]) / 4;
      expect(rows[16][0]).toBeCloseTo(corner, 5);
      // Interior patch (1,2) of image 0: the full 3x3 mean.
      let sum = 0;
      for (let y = 0; y <= 2; y++) for (let x = 1; x <= 3; x++) sum += m[0][y][x][1];
      expect(rows[1 * 4 + 2][1]).toBeCloseTo(sum / 9, 5);
      // A 2x2 deep level averages to its mean everywhere (each 3x3 window sees all four values).
      const d = await deep.array();
      const deepMean = (d[0][0][0][2] + d[0][0][1][2] + d[0][1][0][2] + d[0][1][1][2]) / 4;
      for (let p = 0; p < 16; p++) expect(rows[p][4]).toBeCloseTo(deepMean, 5);

      const projection = randomProjection([1, 2, 3], 2, 4)!;
      expect(projection.shape).toEqual([5, 2]);
      const pt = tf.tensor2d(projection.data, projection.shape);
      const projected = patchFeatures(mid, deep, pt);
      expect(projected.patches.shape).toEqual([32, 2]);
      const want = tf.matMul(patches, pt);
      expect(Array.from(await projected.patches.data())).toEqual(Array.from(await want.data()));
      tf.dispose([mid, deep, patches, pt, projected.patches, want]);
    });
  }

  it('projects only where the projection is narrower than the features, the same matrix per seed', () => {
    expect(randomProjection([24, 40, 112], 0, 1)).toBeNull();
    expect(randomProjection([24, 40, 112], 152, 1)).toBeNull();
    expect(patchDimension([24, 40, 112], 384)).toBe(152);
    expect(patchDimension([256, 512, 1024], 384)).toBe(384);
    const a = randomProjection([8, 16, 32], 12, 7)!;
    expect(a.shape).toEqual([48, 12]);
    expect(randomProjection([8, 16, 32], 12, 7)!.data).toEqual(a.data);
    expect(randomProjection([8, 16, 32], 12, 8)!.data).not.toEqual(a.data);
  });
});

/** Vertical stripes with a little noise: the "normal" images. */
function surface(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const v = 0.5 + 0.25 * Math.sin((2 * Math.PI * x) / 8);
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = v + 0.02 * rng.normal() + 0.1 * c;
    }
  return out;
}

describe('PatchCore', () => {
  const size = 64;
  let teacher: Teacher;
  beforeAll(async () => {
    await useBackend('wasm');
    teacher = await loadTeacher('mobilenet_v2', dirReader(sharedPath('models/mobilenet_v2_0.35_keras')));
  });
  afterAll(() => teacher?.dispose());

  const options: PatchCoreOptions = { imageSize: size, coresetFraction: 0.25, projectionDim: 64, seed: 3 };

  async function fit(images: Float32Array[]): Promise<{ model: PatchCore; steps: number[] }> {
    const model = PatchCore.create(teacher, images.length, options);
    const batch = (start: number, end: number) =>
      tf.tensor4d(Float32Array.from(images.slice(start, end).flatMap((a) => Array.from(a))), [
        end - start,
        size,
        size,
        3,
      ]);
    const steps: number[] = [];
    for (;;) {
      const p = await model.fitStep(batch);
      steps.push(p.done);
      expect(p.total).toBe(model.totalSteps);
      expect(p.etaMs).toBeGreaterThanOrEqual(0);
      if (p.phase === 'done') break;
    }
    return { model, steps };
  }

  it('fits in counted steps, scores an anomalous square above the rest, and restores exactly', async () => {
    const rng = new Rng(1);
    const train = Array.from({ length: 6 }, () => surface(rng, size));
    const before = tf.memory().numTensors;
    const { model, steps } = await fit(train);
    // 6 images x 8x8 patches, a quarter of them kept; steps: images, then centres.
    expect(model.totalSteps).toBe(6 + 96);
    expect(model.memorySize).toBe(96);
    expect(steps[0]).toBe(4);
    expect(steps[1]).toBe(6);
    expect(steps.at(-1)).toBe(model.totalSteps);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]);
    expect(model.coveringRadius).toBeGreaterThan(0);

    const normal = surface(rng, size);
    const anomalous = surface(rng, size);
    for (let y = 24; y < 40; y++)
      for (let x = 24; x < 40; x++)
        for (let c = 0; c < 3; c++) anomalous[(y * size + x) * 3 + c] = c === 0 ? 0.95 : 0.05;
    const x = tf.tensor4d(Float32Array.from([...normal, ...anomalous]), [2, size, size, 3]);
    const r = model.score(x);
    expect(r.maps.shape).toEqual([2, size, size]);
    const maps = await r.maps.data();
    const scores = await r.scores.data();
    expect(scores[1]).toBeGreaterThan(3 * scores[0]);
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < size; y++)
      for (let xx = 0; xx < size; xx++) {
        const v = maps[size * size + y * size + xx];
        if (y >= 24 && y < 40 && xx >= 24 && xx < 40) inside += v / 256;
        else outside += v / (size * size - 256);
      }
    // At 64 px the stride-16 level sees most of the image, so the square raises the whole map; it
    // peaks inside the square all the same.
    expect(inside).toBeGreaterThan(1.3 * outside);
    let peak = 0;
    for (let i = 1; i < size * size; i++) if (maps[size * size + i] > maps[size * size + peak]) peak = i;
    const [py, px] = [Math.floor(peak / size), peak % size];
    expect(py >= 24 && py < 40 && px >= 24 && px < 40).toBe(true);

    const restored = PatchCore.fromArrays(teacher, train.length, options, await model.toArrays());
    expect(restored.fitted).toBe(true);
    expect(restored.stepsDone).toBe(model.totalSteps);
    const again = restored.score(x);
    expect(Array.from(await again.maps.data())).toEqual(Array.from(maps));
    expect(Array.from(await again.scores.data())).toEqual(Array.from(scores));
    tf.dispose([x, r.maps, r.scores, again.maps, again.scores]);
    model.dispose();
    restored.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a memory of another width', async () => {
    const { model } = await fit([surface(new Rng(4), size)]);
    const arrays = await model.toArrays();
    expect(() => PatchCore.fromArrays(teacher, 1, { ...options, projectionDim: 32 }, arrays)).toThrow(
      /memory is 16x64, expected \[patches, 32\]/,
    );
    model.dispose();
  });
});
