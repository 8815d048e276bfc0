import { describe, expect, it } from 'vitest';
import { resizeRgb } from '../../src/core/data/resize';
import { rgbaToRgb } from '../../src/core/data/image';
import { PREPROCESSING } from '../../src/web-package/manifest';
import { IMPORT_MAP, indexHtml, readme } from '../../src/web-package/page';
import { storedImage } from '../../src/web-package/preprocess';
import { defaultConfig } from '../../src/core/config';
import type { PackageManifest } from '../../src/web-package/manifest';

const prep = (storedSize: number) => ({ storedSize, imageSize: storedSize, description: PREPROCESSING });
const rgbaOf = (w: number, h: number) =>
  Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => (i * 37) & 0xff);

describe('the web package’s preprocessing', () => {
  it('keeps an image of the stored size as it is (8-bit values / 255)', () => {
    const rgba = rgbaOf(8, 8);
    const img = storedImage(rgba, 8, 8, prep(8));
    expect([img.width, img.height]).toEqual([8, 8]);
    expect(Array.from(img.data)).toEqual(Array.from(rgbaToRgb(rgba, 8, 8).data));
  });

  it('resizes others as the dataset loader does, antialiased, then rounds to 8 bits', () => {
    const rgba = rgbaOf(20, 12);
    const img = storedImage(rgba, 20, 12, prep(8));
    const want = resizeRgb(rgbaToRgb(rgba, 12, 20), 8, 8, { antialias: true }).data.map(
      (v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255,
    );
    expect(Array.from(img.data)).toEqual(Array.from(Float32Array.from(want)));
  });

  it('cuts the centre square of a wide frame first', () => {
    const rgba = rgbaOf(12, 8);
    const centre = new Uint8ClampedArray(8 * 8 * 4);
    for (let y = 0; y < 8; y++) centre.set(rgba.subarray((y * 12 + 2) * 4, (y * 12 + 10) * 4), y * 32);
    expect(Array.from(storedImage(rgba, 12, 8, prep(8), 'center').data)).toEqual(
      Array.from(rgbaToRgb(centre, 8, 8).data),
    );
  });
});

describe('the web package’s page and README', () => {
  const manifest = {
    category: 'bottle <x>',
    step: 3,
    createdAt: '2026-12-06T00:00:00Z',
    config: { ...defaultConfig(), imageSize: 64 },
    thresholds: { image: 1.25, pixel: 0.5 },
    mapRange: { min: 0, max: 2 },
    preprocessing: prep(64),
  } as PackageManifest;

  it('maps TF.js to vendor/ and loads the model from ./model/, fetching nothing else', () => {
    const html = indexHtml(manifest);
    expect(html).toContain(`<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>`);
    expect(html).toContain("import { load } from './detector.js';");
    expect(html).toContain("load('./model/'");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain('bottle &#60;x&#62;');
    expect(readme(manifest)).toContain('anomalous`: score >= 1.25');
  });
});
