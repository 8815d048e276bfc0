import { detectLayout, type Problem } from '../../src/core/data/layout';
import type { RgbImage } from '../../src/core/data/image';
import {
  fromRgb,
  type DatasetImages,
  type StoredImage,
  type TestImage,
} from '../../src/core/pipeline/dataset';
import type { DatasetImageInfo, DatasetSummary, InputFile, LoadDatasetOptions } from '../session-api';
import type { TaskHandle } from '../tasks';
import { DecodeError, decodeImage, decodeMask } from './decode';

function decodeProblem(path: string, e: unknown, consequence: string): Problem {
  const code = e instanceof DecodeError ? e.code : 'decode-failed';
  const why = e instanceof Error ? e.message : String(e);
  return { code, severity: 'warning', path, message: `Cannot read ${path}: ${why}.`, consequence };
}

/**
 * Detects the layout of a dropped folder and decodes every image it indexes, at `size` px. A file
 * that fails is reported and left out (a test image whose mask fails keeps its image-level label);
 * the load goes on. Checks for cancellation between files.
 */
export async function loadDatasetFiles(
  files: InputFile[],
  opts: LoadDatasetOptions,
  task: TaskHandle,
): Promise<{ images: DatasetImages; summary: DatasetSummary }> {
  const size = opts.size ?? 256;
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const index = detectLayout(
    files.map((f) => f.path),
    { category: opts.category },
  );
  const problems: Problem[] = [...index.problems];
  if (index.train.length === 0 && index.test.length === 0) {
    return {
      images: { size, train: [], test: [], textures: [] },
      summary: summarize(index, problems, size, [], []),
    };
  }
  const total = index.train.length + index.test.length;
  let done = 0;
  const tick = async () => {
    done += 1;
    if (done % 4 === 0 || done === total) {
      task.progress(done, total, 'Decoding images');
      await task.checkpoint();
    }
  };

  const train: StoredImage[] = [];
  const trainInfo: DatasetImageInfo[] = [];
  for (const e of index.train) {
    try {
      const { image } = await decodeImage(byPath.get(e.path)!, size);
      train.push({ path: e.path, rgb: fromRgb(image) });
      trainInfo.push({ path: e.path, split: 'train', defectType: 'good', label: 0, hasMask: false });
    } catch (err) {
      if (err instanceof Error && err.name === 'CancelledError') throw err;
      problems.push(decodeProblem(e.path, err, 'The image is left out of training.'));
    }
    await tick();
  }

  const test: TestImage[] = [];
  const testInfo: DatasetImageInfo[] = [];
  for (const e of index.test) {
    let image: RgbImage;
    let width: number;
    let height: number;
    try {
      ({ image, width, height } = await decodeImage(byPath.get(e.path)!, size));
    } catch (err) {
      problems.push(decodeProblem(e.path, err, 'The image is left out of the test set.'));
      await tick();
      continue;
    }
    let mask: Uint8Array | null = null;
    if (e.maskPath) {
      try {
        const m = await decodeMask(byPath.get(e.maskPath)!, size);
        mask = m.mask;
        if (m.width !== width || m.height !== height) {
          problems.push({
            code: 'mask-size-mismatch',
            severity: 'warning',
            path: e.maskPath,
            message: `The mask is ${m.width}x${m.height} but its image ${e.path} is ${width}x${height}.`,
            consequence: `Both are resized to ${size}x${size}; check that the mask belongs to this image.`,
          });
        }
      } catch (err) {
        problems.push(decodeProblem(e.maskPath, err, `${e.path} is kept for image-level scores only.`));
      }
    }
    test.push({ path: e.path, rgb: fromRgb(image), defectType: e.defectType, label: e.label, mask });
    testInfo.push({
      path: e.path,
      split: 'test',
      defectType: e.defectType,
      label: e.label,
      hasMask: mask !== null,
    });
    await tick();
  }
  const images: DatasetImages = { size, train, test, textures: [] };
  return { images, summary: summarize(index, problems, size, trainInfo, testInfo) };
}

function summarize(
  index: ReturnType<typeof detectLayout>,
  problems: Problem[],
  size: number,
  train: DatasetImageInfo[],
  test: DatasetImageInfo[],
): DatasetSummary {
  const perType: Record<string, number> = {};
  for (const t of test) perType[t.defectType] = (perType[t.defectType] ?? 0) + 1;
  return {
    layout: index.layout,
    category: index.category,
    categories: index.categories,
    size,
    counts: {
      ...index.counts,
      train: train.length,
      test: perType,
      testTotal: test.length,
      masks: test.filter((t) => t.hasMask).length,
    },
    problems,
    train,
    test,
    textures: 0,
  };
}

/** Texture images for the Fourier mix, at `size` px; unreadable files are reported and skipped. */
export async function loadTextureFiles(
  files: InputFile[],
  size: number,
  task: TaskHandle,
): Promise<{ textures: RgbImage[]; problems: Problem[] }> {
  const textures: RgbImage[] = [];
  const problems: Problem[] = [];
  const candidates = files.filter((f) => /\.(png|jpe?g|bmp|webp)$/i.test(f.path) && !/(^|\/)\./.test(f.path));
  for (const [i, f] of candidates.entries()) {
    try {
      textures.push((await decodeImage(f.file, size)).image);
    } catch (err) {
      problems.push(decodeProblem(f.path, err, 'The texture is not used.'));
    }
    task.progress(i + 1, candidates.length, 'Decoding textures');
    await task.checkpoint();
  }
  return { textures, problems };
}
