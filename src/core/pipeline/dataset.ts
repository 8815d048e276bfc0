import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../data/image';
import { resizeRgb } from '../data/resize';

/**
 * A decoded dataset held in memory: every image already resized to `size`x`size` and stored as
 * bytes (a 256 px MVTec category is ~50 MB this way instead of ~200 MB as floats).
 */
export interface StoredImage {
  path: string;
  /** [size,size,3] RGB bytes. */
  rgb: Uint8Array;
}

export interface TestImage extends StoredImage {
  defectType: string;
  label: 0 | 1;
  /** [size,size] 0/1, or null for a good image (all zeros) or a defect image without a mask. */
  mask: Uint8Array | null;
}

export interface DatasetImages {
  size: number;
  train: StoredImage[];
  test: TestImage[];
  /** Anomaly texture sources (e.g. DTD); empty means built-in procedural textures. */
  textures: RgbImage[];
}

export function toRgb(img: StoredImage, size: number): RgbImage {
  const data = new Float32Array(img.rgb.length);
  for (let i = 0; i < data.length; i++) data[i] = img.rgb[i] / 255;
  return { data, height: size, width: size };
}

export function fromRgb(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, img.data[i])) * 255);
  return out;
}

/** Stacks RGB images into the network input [N,S,S,3], resizing when the model size differs. */
export function toBatch(images: RgbImage[], size: number): tf.Tensor4D {
  const n = images.length;
  const out = new Float32Array(n * size * size * 3);
  images.forEach((img, i) => {
    const r = img.height === size && img.width === size ? img : resizeRgb(img, size, size);
    out.set(r.data, i * size * size * 3);
  });
  return tf.tensor4d(out, [n, size, size, 3]);
}
