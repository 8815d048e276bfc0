import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { detectLayout } from '../../src/core/data/layout';
import { createRgb, rgbaToRgb, type RgbImage } from '../../src/core/data/image';
import { resizeMask, resizeRgb } from '../../src/core/data/resize';
import { fromRgb, type DatasetImages, type TestImage } from '../../src/core/pipeline/dataset';

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Decodes a PNG or JPEG file in Node to RGB [0,1] (the browser build uses createImageBitmap). */
export function decodeFile(path: string): RgbImage {
  const bytes = readFileSync(path);
  if (/\.jpe?g$/i.test(path)) {
    const img = jpeg.decode(bytes, { useTArray: true });
    return rgbaToRgb(img.data, img.height, img.width);
  }
  const png = PNG.sync.read(bytes);
  return rgbaToRgb(png.data, png.height, png.width);
}

/**
 * How a non-square image becomes a `size` square: 'stretch' resizes each axis to `size` (the app and
 * the reference); 'pad' keeps the aspect ratio (longer side `size`) and centres the image on a square
 * of its mean colour, the mask on zeros. A study option: the app stretches.
 */
export type Fit = 'stretch' | 'pad';

interface Placement {
  h: number;
  w: number;
  top: number;
  left: number;
}

function placement(height: number, width: number, size: number, fit: Fit): Placement {
  if (fit === 'stretch') return { h: size, w: size, top: 0, left: 0 };
  const scale = size / Math.max(height, width);
  const h = Math.max(1, Math.round(height * scale));
  const w = Math.max(1, Math.round(width * scale));
  return { h, w, top: Math.floor((size - h) / 2), left: Math.floor((size - w) / 2) };
}

export function fitRgb(img: RgbImage, size: number, fit: Fit): RgbImage {
  const p = placement(img.height, img.width, size, fit);
  const inner = resizeRgb(img, p.h, p.w, { antialias: true });
  if (fit === 'stretch') return inner;
  const mean = [0, 1, 2].map((c) => {
    let s = 0;
    for (let i = c; i < inner.data.length; i += 3) s += inner.data[i];
    return (3 * s) / inner.data.length;
  });
  const out = createRgb(size, size);
  for (let i = 0; i < size * size; i++) out.data.set(mean, i * 3);
  for (let y = 0; y < p.h; y++)
    out.data.set(inner.data.subarray(y * p.w * 3, (y + 1) * p.w * 3), ((p.top + y) * size + p.left) * 3);
  return out;
}

export function fitMask(
  gray: Float32Array,
  height: number,
  width: number,
  size: number,
  fit: Fit,
): Uint8Array {
  const p = placement(height, width, size, fit);
  const inner = resizeMask(gray, height, width, p.h, p.w, { method: 'nearest' });
  if (fit === 'stretch') return inner;
  const out = new Uint8Array(size * size);
  for (let y = 0; y < p.h; y++) out.set(inner.subarray(y * p.w, (y + 1) * p.w), (p.top + y) * size + p.left);
  return out;
}

/** Loads an MVTec-layout category folder at `size` px, as the worker does in the browser. */
export function loadMvtecFolder(
  dir: string,
  size: number,
  opts: { maxTrain?: number; testEvery?: number; fit?: Fit } = {},
): DatasetImages {
  const files = listFiles(dir).map((f) => relative(join(dir, '..'), f));
  const index = detectLayout(files);
  const root = join(dir, '..');
  const fit = opts.fit ?? 'stretch';
  const read = (rel: string) => fitRgb(decodeFile(join(root, rel)), size, fit);
  const train = index.train
    .slice(0, opts.maxTrain ?? Infinity)
    .map((e) => ({ path: e.path, rgb: fromRgb(read(e.path)) }));
  const test: TestImage[] = index.test
    .filter((_, i) => i % (opts.testEvery ?? 1) === 0)
    .map((e) => {
      let mask: Uint8Array | null = null;
      if (e.maskPath) {
        const m = decodeFile(join(root, e.maskPath));
        const gray = Float32Array.from({ length: m.height * m.width }, (_, i) => m.data[i * 3]);
        mask = fitMask(gray, m.height, m.width, size, fit);
      }
      return { path: e.path, rgb: fromRgb(read(e.path)), defectType: e.defectType, label: e.label, mask };
    });
  return { size, train, test, textures: [] };
}

/** Every PNG or JPEG under `dir` (e.g. DTD), in path order, at `size` px: the Fourier mix's textures. */
export function loadTextureFolder(dir: string, size: number): RgbImage[] {
  return listFiles(dir)
    .filter((f) => /\.(png|jpe?g)$/i.test(f))
    .sort()
    .map((f) => resizeRgb(decodeFile(f), size, size, { antialias: true }));
}
