import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { resizeBilinear, resizeMask } from '../../src/core/data/resize';
import { grayToRgb, rgbaToGray, rgbaToRgb } from '../../src/core/data/image';
import { sharedPath } from '../helpers/golden';

describe('bilinear resize conventions', () => {
  it('is the identity at the same size', () => {
    const a = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(resizeBilinear(a, 1, 2, 3, 1, 2)).toEqual(a);
  });

  it('enlarges with half-pixel centres and clamped borders (cv2 INTER_LINEAR; PIL is the same here)', () => {
    // cv2.resize(np.array([[0, 1], [2, 3]], float), (4, 4)) by the half-pixel formula
    const expected = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
    for (const antialias of [false, true]) {
      const out = resizeBilinear(Float32Array.of(0, 1, 2, 3), 2, 2, 1, 4, 4, { antialias });
      expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
    }
  });

  it('reduces with PIL triangle weights when antialiased, two taps otherwise', () => {
    const row = Float32Array.of(0, 1, 2, 3);
    // PIL BILINEAR 4 → 2: support 2, taps (0.75, 0.75, 0.25)/1.75 and (0.25, 0.75, 0.75)/1.75
    const pil = resizeBilinear(row, 1, 4, 1, 1, 2, { antialias: true });
    expect(pil[0]).toBeCloseTo(1.25 / 1.75, 6);
    expect(pil[1]).toBeCloseTo((0.25 * 1 + 0.75 * 2 + 0.75 * 3) / 1.75, 6);
    const cv = resizeBilinear(row, 1, 4, 1, 1, 2, { antialias: false });
    expect(Array.from(cv)).toEqual([0.5, 2.5]);
  });

  it('keeps interleaved channels apart', () => {
    const img = new Float32Array(4 * 4 * 3);
    for (let i = 0; i < 16; i++) img.set([0.1, 0.5, 0.9], i * 3);
    const out = resizeBilinear(img, 4, 4, 3, 3, 5, { antialias: true });
    for (let i = 0; i < 15; i++) {
      expect(out[i * 3]).toBeCloseTo(0.1, 6);
      expect(out[i * 3 + 1]).toBeCloseTo(0.5, 6);
      expect(out[i * 3 + 2]).toBeCloseTo(0.9, 6);
    }
  });
});

describe('mask resize', () => {
  it('thresholds at > 0.5 after nearest or bilinear resampling', () => {
    // 4x4 mask with the left half set
    const m = new Float32Array(16);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 2; x++) m[y * 4 + x] = 1;
    expect(Array.from(resizeMask(m, 4, 4, 2, 2, { method: 'nearest' }))).toEqual([1, 0, 1, 0]);
    expect(Array.from(resizeMask(m, 4, 4, 2, 2))).toEqual([1, 0, 1, 0]);
    const half = new Float32Array(4).fill(0.5);
    expect(Array.from(resizeMask(half, 2, 2, 2, 2))).toEqual([0, 0, 0, 0]); // 0.5 is not > 0.5
    expect(Array.from(resizeMask(half, 2, 2, 2, 2, { threshold: 0.4 }))).toEqual([1, 1, 1, 1]);
  });
});

describe('pixel conversions', () => {
  it('drops alpha, scales to [0, 1], replicates grey, weights luma like PIL', () => {
    const rgba = Uint8ClampedArray.of(255, 0, 51, 7, 0, 255, 0, 255);
    const rgb = rgbaToRgb(rgba, 1, 2);
    expect(Array.from(rgb.data)).toEqual([1, 0, 0.2, 0, 1, 0].map((v) => Math.fround(v)));
    const g16 = grayToRgb(Uint16Array.of(65535, 0), 1, 2, 65535);
    expect(Array.from(g16.data)).toEqual([1, 1, 1, 0, 0, 0]);
    const grey = rgbaToGray(Uint8ClampedArray.of(255, 255, 255, 255, 0, 255, 0, 255), 1, 2);
    expect(grey.data[0]).toBeCloseTo(1, 6);
    expect(grey.data[1]).toBeCloseTo(0.587, 6);
    expect(() => rgbaToRgb(rgba, 2, 2)).toThrow();
  });
});

// mvtec-256 was made from the original 900x900 files with PIL (images bilinear, masks nearest):
// the antialiased mode and the pixel-centre nearest mode must reproduce it.
const full = sharedPath('data/mvtec-fullres-subset/bottle');
const small = sharedPath('data/mvtec-256/bottle');
describe.skipIf(!existsSync(full))('against the real MVTec bottle files (900 → 256)', () => {
  const read = (p: string) => PNG.sync.read(readFileSync(p));

  it('nearest mask resize reproduces the 256 masks exactly', () => {
    const m = read(`${full}/ground_truth/broken_large/003_mask.png`);
    const ref = read(`${small}/ground_truth/broken_large/003_mask.png`);
    const g = new Float32Array(m.width * m.height);
    for (let i = 0; i < g.length; i++) g[i] = m.data[i * 4] / 255;
    const out = resizeMask(g, m.height, m.width, 256, 256, { method: 'nearest' });
    let diff = 0;
    let on = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] !== (ref.data[i * 4] > 127 ? 1 : 0)) diff++;
      on += out[i];
    }
    expect(on).toBeGreaterThan(500);
    expect(diff).toBe(0);
  });

  it('antialiased bilinear reproduces the 256 images within PIL rounding; cv2-style does not', () => {
    const im = read(`${full}/test/broken_large/000.png`);
    const ref = read(`${small}/test/broken_large/000.png`);
    const rgb = new Float32Array(im.width * im.height * 3);
    for (let i = 0; i < im.width * im.height; i++)
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = im.data[i * 4 + c];
    const stats = (antialias: boolean) => {
      const out = resizeBilinear(rgb, im.height, im.width, 3, 256, 256, { antialias });
      let max = 0;
      for (let i = 0; i < 256 * 256; i++)
        for (let c = 0; c < 3; c++)
          max = Math.max(max, Math.abs(Math.round(out[i * 3 + c]) - ref.data[i * 4 + c]));
      return max;
    };
    expect(stats(true)).toBeLessThanOrEqual(1);
    expect(stats(false)).toBeGreaterThan(10);
  });
});
