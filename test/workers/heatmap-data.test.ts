import { describe, expect, it } from 'vitest';
import type { DatasetImages, TestImage } from '../../src/core/pipeline/dataset';
import type { Evaluation } from '../../src/core/pipeline/evaluate';
import { heatmapData, mapRange, mapThumbnail } from '../../workers/session/evaluation';

/** One stored 8x8 test image with a 2x2 defect mask at (4..5, 4..5), evaluated by a model at `s` px. */
function fixture(s: number): { ev: Evaluation; data: DatasetImages } {
  const size = 8;
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 256;
  const mask = new Uint8Array(size * size);
  for (const y of [4, 5]) for (const x of [4, 5]) mask[y * size + x] = 1;
  const test: TestImage = { path: 'c/test/crack/000.png', rgb, defectType: 'crack', label: 1, mask };
  // The model's map: 0 everywhere but 1 at the cell over the defect.
  const maps = new Float32Array(s * s);
  const k = Math.floor((4.5 / size) * s);
  maps[k * s + k] = 1;
  const ev = {
    maps,
    size: s,
    scores: Float32Array.of(0.9),
    labels: Uint8Array.of(1),
    selected: Int32Array.of(-1),
  } as unknown as Evaluation;
  return { ev, data: { size, train: [], test: [test], textures: [] } };
}

describe('a heat map is given at the stored image size', () => {
  it('a 4 px model map over an 8 px stored image: map enlarged, image and mask as stored', () => {
    const { ev, data } = fixture(4);
    const h = heatmapData(ev, data, 0, mapRange(ev));
    expect(h.size).toBe(8);
    expect(h.mapSize).toBe(4);
    expect(h.map.length).toBe(64);
    expect(Array.from(h.mask!)).toEqual(Array.from(data.test[0].mask!));
    // The image is the stored one, not a 4 px copy enlarged back.
    for (let i = 0; i < 64; i++) {
      expect(h.image[i * 4]).toBe(data.test[0].rgb[i * 3]);
      expect(h.image[i * 4 + 2]).toBe(data.test[0].rgb[i * 3 + 2]);
      expect(h.image[i * 4 + 3]).toBe(255);
    }
    // Bilinear enlargement stays in the evaluation's range and peaks over the defect.
    expect(Math.min(...h.map)).toBeGreaterThanOrEqual(h.mapMin);
    expect(Math.max(...h.map)).toBeLessThanOrEqual(h.mapMax);
    const peak = h.map.indexOf(Math.max(...h.map));
    expect(data.test[0].mask![peak]).toBe(1);
    // Interpolated: a 2x2 block copy of the hot cell would light 4 pixels at 1.
    expect(h.map.filter((v) => v > 0).length).toBeGreaterThan(4);
    expect(Math.max(...h.map)).toBeLessThan(1);
  });

  it('a map at the stored size is passed through; a larger one is averaged down', () => {
    const same = fixture(8);
    expect(Array.from(heatmapData(same.ev, same.data, 0, mapRange(same.ev)).map)).toEqual(
      Array.from(same.ev.maps),
    );
    const large = fixture(16);
    const h = heatmapData(large.ev, large.data, 0, mapRange(large.ev));
    expect(h.size).toBe(8);
    expect(h.mapSize).toBe(16);
    // One hot 16 px cell spread over 8 px: a quarter of it at most, none lost to point sampling.
    expect(Math.max(...h.map)).toBeGreaterThan(0);
    expect(Math.max(...h.map)).toBeLessThan(1);
  });
});

describe('a map thumbnail for the results grid', () => {
  it('is averaged down to the tile size, keeps the shared range and where the map is hot', () => {
    const { ev } = fixture(16);
    const t = mapThumbnail(ev, 0, 4, mapRange(ev));
    expect(t.px).toBe(4);
    expect(t.map.length).toBe(16);
    expect([t.mapMin, t.mapMax]).toEqual([0, 1]);
    // The hot 16 px cell (9, 9) lies in the 4 px cell (2, 2).
    expect(t.map.indexOf(Math.max(...t.map))).toBe(2 * 4 + 2);
    expect(() => mapThumbnail(ev, 1, 4, mapRange(ev))).toThrow('No test image 1.');
    expect(() => mapThumbnail(ev, 0, 0, mapRange(ev))).toThrow(/positive integer size/);
  });
});
