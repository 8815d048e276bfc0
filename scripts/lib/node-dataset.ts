import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { detectLayout } from '../../src/core/data/layout';
import { rgbaToRgb, type RgbImage } from '../../src/core/data/image';
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

/** Loads an MVTec-layout category folder at `size` px, as the worker does in the browser. */
export function loadMvtecFolder(
  dir: string,
  size: number,
  opts: { maxTrain?: number; testEvery?: number } = {},
): DatasetImages {
  const files = listFiles(dir).map((f) => relative(join(dir, '..'), f));
  const index = detectLayout(files);
  const root = join(dir, '..');
  const read = (rel: string) => resizeRgb(decodeFile(join(root, rel)), size, size, { antialias: true });
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
        mask = resizeMask(gray, m.height, m.width, size, size, { method: 'nearest' });
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
