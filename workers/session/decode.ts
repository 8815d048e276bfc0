import { rgbaToRgb, type RgbImage } from '../../src/core/data/image';
import { resizeMask, resizeRgb } from '../../src/core/data/resize';
import { sniffImage } from '../../src/core/data/sniff';

/**
 * Beyond this the browser's own decode would need over 400 MB: such files are refused from the size
 * their header declares, before anything is decoded (a tiny file can declare a huge image).
 */
export const MAX_PIXELS = 100_000_000;
/**
 * Above this (a 4096x4096 image) the browser decodes straight to a reduced size, so the copies this
 * loader makes (canvas, RGBA, float RGB) stay bounded (~400 MB at most) whatever the image size.
 */
export const LARGE_PIXELS = 4096 * 4096;

export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    message: string,
    readonly code: 'decode-failed' | 'image-too-large',
  ) {
    super(message);
  }
}

export interface DecodedRgba {
  rgba: Uint8ClampedArray;
  /** Size of the pixels in `rgba`. */
  decodedWidth: number;
  decodedHeight: number;
  /** The file's own size (differs from the decoded size when it was larger than LARGE_PIXELS). */
  width: number;
  height: number;
}

const mp = (n: number): string => `${Math.round(n / 1e5) / 10} MP`;

/**
 * Decodes any browser-readable image (PNG of any bit depth or colour type, JPEG, BMP, WebP) to
 * 8-bit RGBA. Colour management is turned off so pixel values are the file's, as PIL reads them.
 * The bytes are checked first (sniff.ts), so a damaged file is named precisely and an oversized one
 * is refused before decoding.
 */
export async function decodeRgba(blob: Blob): Promise<DecodedRgba> {
  if (blob.size === 0) throw new DecodeError('the file is empty (0 bytes)', 'decode-failed');
  const sniff = sniffImage(new Uint8Array(await blob.arrayBuffer()));
  if (!sniff.ok) throw new DecodeError(sniff.reason, 'decode-failed');
  const pixels = sniff.width * sniff.height;
  if (pixels > MAX_PIXELS) {
    throw new DecodeError(
      `it declares ${sniff.width}x${sniff.height} pixels (${mp(pixels)}), more than the ${mp(MAX_PIXELS)} this loader accepts, so it was not decoded`,
      'image-too-large',
    );
  }
  const shrink = pixels > LARGE_PIXELS ? Math.sqrt(LARGE_PIXELS / pixels) : 1;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      ...(shrink < 1 && {
        resizeWidth: Math.max(1, Math.floor(sniff.width * shrink)),
        resizeHeight: Math.max(1, Math.floor(sniff.height * shrink)),
        resizeQuality: 'high' as const,
      }),
    });
  } catch {
    throw new DecodeError(
      `the browser cannot decode this ${sniff.format.toUpperCase()} file: its image data is corrupt`,
      'decode-failed',
    );
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  // A shrunk decode reports the file's size, so mask/image size checks compare like with like.
  const reduced = shrink < 1;
  return {
    rgba,
    decodedWidth: width,
    decodedHeight: height,
    width: reduced ? sniff.width : width,
    height: reduced ? sniff.height : height,
  };
}

export interface DecodedSize {
  /** The file's own size. */
  width: number;
  height: number;
  /** True when the browser decoded it at a reduced size first (more than LARGE_PIXELS). */
  reduced: boolean;
}

/** An image at `size`x`size`, resized as PIL's bilinear (antialiased) does, as the dataset was made. */
export async function decodeImage(blob: Blob, size: number): Promise<{ image: RgbImage } & DecodedSize> {
  const { rgba, width, height, decodedWidth: w, decodedHeight: h } = await decodeRgba(blob);
  const rgb = rgbaToRgb(rgba, h, w);
  const image = w === size && h === size ? rgb : resizeRgb(rgb, size, size, { antialias: true });
  return { image, width, height, reduced: w !== width || h !== height };
}

/** A ground-truth mask at `size`x`size`: nearest resize, anomalous where the grey value > 0.5. */
export async function decodeMask(blob: Blob, size: number): Promise<{ mask: Uint8Array } & DecodedSize> {
  const { rgba, width, height, decodedWidth: w, decodedHeight: h } = await decodeRgba(blob);
  const gray = new Float32Array(w * h);
  for (let i = 0; i < gray.length; i++)
    gray[i] = Math.max(rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]) / 255;
  const mask = resizeMask(gray, h, w, size, size, { method: 'nearest' });
  return { mask, width, height, reduced: w !== width || h !== height };
}

/** RGB [0,1] (values outside are clipped) → opaque RGBA bytes [height*width*4]. */
export function rgbToRgba(img: RgbImage): Uint8ClampedArray<ArrayBuffer> {
  const n = img.width * img.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = img.data[i * 3] * 255;
    rgba[i * 4 + 1] = img.data[i * 3 + 1] * 255;
    rgba[i * 4 + 2] = img.data[i * 3 + 2] * 255;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** RGB [0,1] (values outside are clipped) → ImageBitmap, for display on the UI thread. */
export async function rgbToBitmap(img: RgbImage): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(rgbToRgba(img), img.width, img.height));
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
