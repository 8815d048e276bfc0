import type { RgbImage } from '../../src/core/data/image';
import { demoFingerprint } from '../../src/core/data/fingerprint';
import { generateDemoDataset } from '../../src/core/demo/generate';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import type { Evaluation } from '../../src/core/pipeline/evaluate';
import type {
  DatasetImageInfo,
  DatasetSummary,
  FrameReference,
  LoadDemoDatasetOptions,
} from '../session-api';

/** The built-in demo dataset and the summary a folder drop of it would give. */
export function loadDemo(
  opts: LoadDemoDatasetOptions,
  onProgress: (done: number, total: number) => void,
): { images: DatasetImages; summary: DatasetSummary } {
  const seed = opts.seed ?? 1;
  const ds = generateDemoDataset({ seed, size: opts.size ?? 128, category: opts.category }, (done, total) => {
    if (done % 8 === 0 || done === total) onProgress(done, total);
  });
  const train: DatasetImageInfo[] = ds.train.map((t) => ({
    path: t.path,
    split: 'train',
    defectType: 'good',
    label: 0,
    hasMask: false,
  }));
  const test: DatasetImageInfo[] = ds.test.map((t) => ({
    path: t.path,
    split: 'test',
    defectType: t.defectType,
    label: t.label,
    hasMask: t.mask !== null,
  }));
  const perType: Record<string, number> = {};
  for (const t of test) perType[t.defectType] = (perType[t.defectType] ?? 0) + 1;
  const masks = test.filter((t) => t.hasMask).length;
  const summary: DatasetSummary = {
    layout: 'mvtec',
    category: ds.root,
    categories: [ds.root],
    size: ds.size,
    counts: {
      train: train.length,
      test: perType,
      testTotal: test.length,
      masks,
      ignored: 0,
    },
    problems: [],
    train,
    test,
    textures: 0,
    fingerprint: demoFingerprint(
      { seed, size: ds.size, category: ds.category },
      { train: train.length, test: test.length, masks },
      ds.root,
    ),
  };
  const images: DatasetImages = { size: ds.size, train: ds.train, test: ds.test, textures: [] };
  return { images, summary };
}

/** The centre square of a frame at `size` px as RGB in [0, 1] (the model sees square inputs). */
export function frameToRgb(frame: ImageBitmap, size: number): RgbImage {
  const side = Math.min(frame.width, frame.height);
  const sx = (frame.width - side) / 2;
  const sy = (frame.height - side) / 2;
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('No 2D canvas in the worker.');
  ctx.imageSmoothingQuality = 'medium';
  ctx.drawImage(frame, sx, sy, side, side, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    data[i * 3] = rgba[i * 4] / 255;
    data[i * 3 + 1] = rgba[i * 4 + 1] / 255;
    data[i * 3 + 2] = rgba[i * 4 + 2] / 255;
  }
  return { data, height: size, width: size };
}

const references = new WeakMap<Evaluation, FrameReference>();

/** The colour range and thresholds of an evaluation, computed once per evaluation. */
export function frameReference(ev: Evaluation): FrameReference {
  let ref = references.get(ev);
  if (!ref) {
    let mapMin = Infinity;
    let mapMax = -Infinity;
    for (const v of ev.maps) {
      if (v < mapMin) mapMin = v;
      if (v > mapMax) mapMax = v;
    }
    ref = {
      mapMin,
      mapMax,
      imageThreshold: ev.metrics.f1Image.threshold,
      pixelThreshold: ev.metrics.f1Pixel.threshold,
    };
    references.set(ev, ref);
  }
  return ref;
}
