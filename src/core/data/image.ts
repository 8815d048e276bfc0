/**
 * Plain image containers shared by decoding, resizing and synthesis (typed arrays only, so they
 * cross a worker boundary by transfer), and conversions from what a browser decoder gives.
 */

/** Interleaved RGB, row-major: data[(y·width + x)·3 + c], values in [0, 1]. */
export interface RgbImage {
  data: Float32Array; // [height, width, 3]
  height: number;
  width: number;
}

/** One channel, row-major, values in [0, 1] (grey image or soft mask). */
export interface GrayImage {
  data: Float32Array; // [height, width]
  height: number;
  width: number;
}

export function createRgb(height: number, width: number): RgbImage {
  return { data: new Float32Array(height * width * 3), height, width };
}

/**
 * RGBA bytes (ImageData / OffscreenCanvas, always 8 bit per channel) → RGB in [0, 1]. Alpha is
 * dropped without compositing, as PIL's convert('RGB') and cv2.imread do in the reference. Note:
 * canvas pixels are stored premultiplied, so colour under alpha < 255 may already be rounded.
 */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, height: number, width: number): RgbImage {
  const n = height * width;
  if (rgba.length !== n * 4) throw new Error(`rgbaToRgb: expected ${n * 4} bytes, got ${rgba.length}`);
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[i * 3] = rgba[i * 4] / 255;
    data[i * 3 + 1] = rgba[i * 4 + 1] / 255;
    data[i * 3 + 2] = rgba[i * 4 + 2] / 255;
  }
  return { data, height, width };
}

/**
 * One-channel samples → RGB in [0, 1] by replication (PIL's L → RGB). `maxValue` is 255 for
 * 8-bit data and 65535 for 16-bit PNG samples decoded by hand; a browser's canvas decoder already
 * reduces 16-bit PNGs to 8 bits, so ImageData input always uses 255.
 */
export function grayToRgb(gray: ArrayLike<number>, height: number, width: number, maxValue = 255): RgbImage {
  const n = height * width;
  if (gray.length !== n) throw new Error(`grayToRgb: expected ${n} samples, got ${gray.length}`);
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = gray[i] / maxValue;
    data[i * 3] = v;
    data[i * 3 + 1] = v;
    data[i * 3 + 2] = v;
  }
  return { data, height, width };
}

/**
 * RGBA bytes → one channel in [0, 1] with PIL's convert('L') weights (299, 587, 114 per mille),
 * the way the reference opens mask PNGs. Grey PNGs decoded by a canvas have R = G = B, so the
 * value is exact for them.
 */
export function rgbaToGray(rgba: Uint8ClampedArray | Uint8Array, height: number, width: number): GrayImage {
  const n = height * width;
  if (rgba.length !== n * 4) throw new Error(`rgbaToGray: expected ${n * 4} bytes, got ${rgba.length}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = (rgba[i * 4] * 299 + rgba[i * 4 + 1] * 587 + rgba[i * 4 + 2] * 114) / 1000;
    data[i] = l / 255;
  }
  return { data, height, width };
}
