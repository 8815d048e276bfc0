import { describe, expect, it } from 'vitest';
import { fitMask, fitRgb } from '../../scripts/lib/node-dataset';

describe('fitting a non-square image to the model square (study option --fit)', () => {
  // 2 rows × 4 columns, red channel 0.2 on the left half and 0.6 on the right; green 1, blue 0.
  const wide = {
    height: 2,
    width: 4,
    data: Float32Array.from({ length: 24 }, (_, i) => [i % 12 < 6 ? 0.2 : 0.6, 1, 0][i % 3]),
  };

  it('stretch resizes each axis to the square', () => {
    const out = fitRgb(wide, 4, 'stretch');
    expect([out.height, out.width]).toEqual([4, 4]);
    // Every row of the stretched image is the source row.
    for (let y = 0; y < 4; y++) expect(out.data[(y * 4 + 3) * 3]).toBeCloseTo(0.6, 6);
  });

  it('pad keeps the aspect ratio, centres the image and fills the rest with its mean colour', () => {
    const out = fitRgb(wide, 4, 'pad');
    expect([out.height, out.width]).toEqual([4, 4]);
    const pixel = (y: number, x: number) =>
      Array.from(out.data.subarray((y * 4 + x) * 3, (y * 4 + x + 1) * 3));
    for (const y of [0, 3])
      for (let x = 0; x < 4; x++) pixel(y, x).forEach((v, c) => expect(v).toBeCloseTo([0.4, 1, 0][c], 6));
    for (const y of [1, 2]) {
      expect(pixel(y, 0)[0]).toBeCloseTo(0.2, 6);
      expect(pixel(y, 3)[0]).toBeCloseTo(0.6, 6);
    }
  });

  it('the mask lands where the image does, zeros in the padding', () => {
    // 4 rows × 2 columns, the bottom-right pixel anomalous.
    const mask = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(fitMask(mask, 4, 2, 4, 'pad'))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
    ]);
    expect(Array.from(fitMask(mask, 4, 2, 4, 'stretch'))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
    ]);
  });
});
