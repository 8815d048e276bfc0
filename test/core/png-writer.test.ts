import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng, pngDataUrl } from '../../src/core/io/png-writer';

describe('encodePng', () => {
  it('writes RGBA pixels that a PNG decoder reads back exactly', () => {
    const w = 37;
    const h = 5;
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 97 + (i >> 3)) & 0xff);
    const png = PNG.sync.read(Buffer.from(encodePng(rgba, w, h)));
    expect([png.width, png.height]).toEqual([w, h]);
    expect(new Uint8Array(png.data)).toEqual(rgba);
  });

  it('refuses pixels that do not fill the size, and makes data URLs', () => {
    expect(() => encodePng(new Uint8Array(12), 2, 2)).toThrow(/2x2 RGBA/);
    const url = pngDataUrl(encodePng(new Uint8Array(4).fill(255), 1, 1));
    expect(url.startsWith('data:image/png;base64,iVBORw0KGgo')).toBe(true);
  });
});
