import { rgbaToRgb, type RgbImage } from '../../src/core/data/image';
import { resizeMask, resizeRgb } from '../../src/core/data/resize';

/** Beyond this the decoded RGBA alone would need over 400 MB; such files are refused with a message. */
export const MAX_PIXELS = 100_000_000;

export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    message: string,
    readonly code: 'decode-failed' | 'image-too-large',
  ) {
    super(message);
  }
}

/**
 * Decodes any browser-readable image (PNG of any bit depth or colour type, JPEG, BMP, WebP) to
 * 8-bit RGBA. Colour management is turned off so pixel values are the file's, as PIL reads them.
 */
export async function decodeRgba(
  blob: Blob,
): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  if (blob.size === 0) throw new DecodeError('the file is empty (0 bytes)', 'decode-failed');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new DecodeError(
      'the browser cannot decode it: the file is corrupt, truncated or not an image',
      'decode-failed',
    );
  }
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS) {
    bitmap.close();
    throw new DecodeError(
      `it is ${width}x${height} pixels, more than the ${MAX_PIXELS / 1e6} MP this loader accepts`,
      'image-too-large',
    );
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** An image at `size`x`size`, resized as PIL's bilinear (antialiased) does, as the dataset was made. */
export async function decodeImage(
  blob: Blob,
  size: number,
): Promise<{ image: RgbImage; width: number; height: number }> {
  const { rgba, width, height } = await decodeRgba(blob);
  const rgb = rgbaToRgb(rgba, height, width);
  const image = width === size && height === size ? rgb : resizeRgb(rgb, size, size, { antialias: true });
  return { image, width, height };
}

/** A ground-truth mask at `size`x`size`: nearest resize, anomalous where the grey value > 0.5. */
export async function decodeMask(
  blob: Blob,
  size: number,
): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const { rgba, width, height } = await decodeRgba(blob);
  const gray = new Float32Array(width * height);
  for (let i = 0; i < gray.length; i++)
    gray[i] = Math.max(rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]) / 255;
  return { mask: resizeMask(gray, height, width, size, size, { method: 'nearest' }), width, height };
}

/** RGB [0,1] (values outside are clipped) → ImageBitmap, for display on the UI thread. */
export async function rgbToBitmap(img: RgbImage): Promise<ImageBitmap> {
  const n = img.width * img.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = img.data[i * 3] * 255;
    rgba[i * 4 + 1] = img.data[i * 3 + 1] * 255;
    rgba[i * 4 + 2] = img.data[i * 3 + 2] * 255;
    rgba[i * 4 + 3] = 255;
  }
  return createImageBitmap(new ImageData(rgba, img.width, img.height));
}

/** A 0/1 (or [0,1]) single-channel map → grey ImageBitmap. */
export async function grayToBitmap(
  values: ArrayLike<number>,
  width: number,
  height: number,
): Promise<ImageBitmap> {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = values[i] * 255;
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return createImageBitmap(new ImageData(rgba, width, height));
}
