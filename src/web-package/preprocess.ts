import { rgbaToRgb, type RgbImage } from '../core/data/image';
import { resizeRgb } from '../core/data/resize';
import { fromRgb, toRgb } from '../core/pipeline/dataset';
import type { PackageManifest } from './manifest';

export type Crop = 'none' | 'center';

/**
 * An image's pixels as the app turns a dataset file into the model's input: RGB, resized to the
 * stored size with antialiasing (unless it already is that size), rounded to 8 bits. The model then
 * resizes it to its input size (toBatch), as it does for the dataset. `center` first cuts the
 * centre square (camera frames are wider than tall; a square image is unchanged).
 */
export function storedImage(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  prep: PackageManifest['preprocessing'],
  crop: Crop = 'none',
): RgbImage {
  let pixels = rgba;
  let [w, h] = [width, height];
  if (crop === 'center' && w !== h) {
    const side = Math.min(w, h);
    const x0 = Math.floor((w - side) / 2);
    const y0 = Math.floor((h - side) / 2);
    const square = new Uint8ClampedArray(side * side * 4);
    for (let y = 0; y < side; y++)
      square.set(rgba.subarray(((y0 + y) * w + x0) * 4, ((y0 + y) * w + x0 + side) * 4), y * side * 4);
    [pixels, w, h] = [square, side, side];
  }
  const s = prep.storedSize;
  const rgb = rgbaToRgb(pixels, h, w);
  const sized = w === s && h === s ? rgb : resizeRgb(rgb, s, s, { antialias: true });
  return toRgb({ path: '', rgb: fromRgb(sized) }, s);
}
