// Pixel composition of the detail view: test image, colour-mapped anomaly map, ground-truth contour
// and the contour of the thresholded segmentation. Pure (no DOM) so it is unit-tested in Node and
// shared by the on-screen canvas and the PNG export.
import { colormapLut, type ColormapName } from './colormaps';

export interface OverlaySource {
  size: number;
  /** RGBA [size*size*4]. */
  image: Uint8ClampedArray;
  /** Anomaly map [size*size]. */
  map: Float32Array;
  /** Ground truth [size*size] 0/1, or null. */
  mask: Uint8Array | null;
}

export interface OverlayOptions {
  /** Map values at the ends of the colour scale (the evaluation's shared range). */
  min: number;
  max: number;
  /** Heat-map opacity in [0, 1]. */
  opacity: number;
  colormap: ColormapName;
  showMask: boolean;
  /** Outline pixels with map >= this; null hides the segmentation. */
  segThreshold: number | null;
}

export const MASK_RGB = [0, 255, 90] as const;
export const SEG_RGB = [255, 255, 255] as const;

/**
 * Boundary of a binary region [size*size]: inside pixels with a 4-neighbour outside (the image edge
 * counts as outside, so a region touching it is still closed).
 */
export function boundary(inside: (i: number) => boolean, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      if (!inside(i)) continue;
      const edge =
        x === 0 ||
        y === 0 ||
        x === size - 1 ||
        y === size - 1 ||
        !inside(i - 1) ||
        !inside(i + 1) ||
        !inside(i - size) ||
        !inside(i + size);
      if (edge) out[i] = 1;
    }
  }
  return out;
}

/** Normalised LUT index of a map value, clamped to the scale. */
export function lutIndex(v: number, min: number, max: number): number {
  const span = max - min;
  const t = span > 0 ? (v - min) / span : 0;
  return Math.max(0, Math.min(255, Math.round(t * 255)));
}

/** RGBA [size*size*4] of the composed overlay. */
export function composeOverlay(src: OverlaySource, opts: OverlayOptions): Uint8ClampedArray {
  const { size, image, map, mask } = src;
  const n = size * size;
  const lut = colormapLut(opts.colormap);
  const a = Math.max(0, Math.min(1, opts.opacity));
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const k = lutIndex(map[i], opts.min, opts.max) * 3;
    out[i * 4] = image[i * 4] * (1 - a) + lut[k] * a;
    out[i * 4 + 1] = image[i * 4 + 1] * (1 - a) + lut[k + 1] * a;
    out[i * 4 + 2] = image[i * 4 + 2] * (1 - a) + lut[k + 2] * a;
    out[i * 4 + 3] = 255;
  }
  const paint = (edges: Uint8Array, rgb: readonly [number, number, number]): void => {
    for (let i = 0; i < n; i++) {
      if (!edges[i]) continue;
      out[i * 4] = rgb[0];
      out[i * 4 + 1] = rgb[1];
      out[i * 4 + 2] = rgb[2];
    }
  };
  const thr = opts.segThreshold;
  if (thr !== null)
    paint(
      boundary((i) => map[i] >= thr, size),
      SEG_RGB,
    );
  if (opts.showMask && mask)
    paint(
      boundary((i) => mask[i] > 0, size),
      MASK_RGB,
    );
  return out;
}

/** A small [h*w] map as RGBA with its own min/max, for the memory difference maps. */
export function heatOnly(map: Float32Array, colormap: ColormapName): Uint8ClampedArray {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lut = colormapLut(colormap);
  const out = new Uint8ClampedArray(map.length * 4);
  for (let i = 0; i < map.length; i++) {
    const k = lutIndex(map[i], min, max) * 3;
    out[i * 4] = lut[k];
    out[i * 4 + 1] = lut[k + 1];
    out[i * 4 + 2] = lut[k + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}
