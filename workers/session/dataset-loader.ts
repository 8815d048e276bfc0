import { NotADatasetError, notADatasetMessage, notADatasetReason } from '../../src/core/data/dataset-check';
import { datasetMismatch, folderFingerprint } from '../../src/core/data/fingerprint';
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
import { DecodeError, LARGE_PIXELS, decodeImage, decodeMask, type DecodedSize } from './decode';

function decodeProblem(path: string, e: unknown, consequence: string): Problem {
  const code = e instanceof DecodeError ? e.code : 'decode-failed';
  const why = e instanceof Error ? e.message : String(e);
  return { code, severity: 'warning', path, message: `Cannot read ${path}: ${why}.`, consequence };
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function largeProblem(path: string, d: DecodedSize, size: number): Problem {
  return {
    code: 'large-image',
    severity: 'info',
    path,
    message: `${path} is ${d.width}x${d.height} pixels (${Math.round((d.width * d.height) / 1e5) / 10} MP), more than ${Math.sqrt(LARGE_PIXELS)}x${Math.sqrt(LARGE_PIXELS)}: the browser decoded it at a reduced size first, to bound memory.`,
    consequence: `It is loaded, resized to ${size}x${size} from that reduced copy.`,
  };
}

/** Problems of the listing that each stand for one file the index left out. */
const LEFT_OUT_CODES: ReadonlySet<Problem['code']> = new Set([
  'not-an-image',
  'unsupported-image',
  'misplaced-file',
  'unexpected-train-class',
  'orphan-mask',
  'mask-for-normal',
]);

/**
 * One line for the files the index left out without a problem of their own, so that the problems
 * account for every file counted as left out; none when there are no such files.
 */
function unlistedLeftOut(index: ReturnType<typeof detectLayout>): Problem[] {
  const listed = index.problems.filter((p) => LEFT_OUT_CODES.has(p.code)).length;
  const unlisted = index.counts.ignored - listed;
  if (unlisted <= 0) return [];
  return [
    {
      code: 'left-out',
      severity: 'info',
      message:
        `${plural(unlisted, 'file')} left out without a line of ${unlisted === 1 ? 'its' : 'their'} own: system files (.DS_Store, ` +
        'Thumbs.db, __MACOSX/, hidden files), files of other categories and files beside the category folder.',
      consequence: 'Not used; they are counted under "files left out".',
    },
  ];
}

/** A folder picked for a run that holds other images than the run was trained on. */
export class DatasetMismatchError extends Error {
  override name = 'DatasetMismatchError';
}

/**
 * Detects the layout of a dropped folder and decodes every image it indexes, at `size` px. A file
 * that fails is reported and left out (a test image whose mask fails keeps its image-level label);
 * the load goes on. Checks for cancellation between files. Throws NotADatasetError for a folder
 * with nothing to train on (or mostly other files), and DatasetMismatchError when `opts.expect`
 * names other images: before decoding, so a wrong folder costs no time.
 */
export async function loadDatasetFiles(
  files: InputFile[],
  opts: LoadDatasetOptions,
  task: TaskHandle,
): Promise<{ images: DatasetImages; summary: DatasetSummary }> {
  const size = opts.size ?? 256;
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const paths = files.map((f) => f.path);
  const index = detectLayout(paths, { category: opts.category });
  const notDataset = notADatasetReason(index, paths);
  if (notDataset) throw new NotADatasetError(notADatasetMessage(paths, notDataset));
  const fingerprint = await folderFingerprint(index, (p) => byPath.get(p)!.size, size);
  const mismatch = opts.expect ? datasetMismatch(opts.expect, fingerprint) : null;
  if (mismatch) throw new DatasetMismatchError(`${mismatch}.`);
  const problems: Problem[] = [...index.problems];
  const total = index.train.length + index.test.length;
  let done = 0;
  const tick = async () => {
    done += 1;
    if (done % 4 === 0 || done === total) {
      task.progress(done, total, 'Decoding images');
      await task.checkpoint();
    }
  };

  // Failures are phrased once the load is over, so each can say how many images did load.
  const failed: { path: string; err: unknown; split: 'train' | 'test' | 'mask'; image?: string }[] = [];
  const train: StoredImage[] = [];
  const trainInfo: DatasetImageInfo[] = [];
  for (const e of index.train) {
    try {
      const d = await decodeImage(byPath.get(e.path)!, size);
      train.push({ path: e.path, rgb: fromRgb(d.image) });
      trainInfo.push({ path: e.path, split: 'train', defectType: 'good', label: 0, hasMask: false });
      if (d.reduced) problems.push(largeProblem(e.path, d, size));
    } catch (err) {
      if (err instanceof Error && err.name === 'CancelledError') throw err;
      failed.push({ path: e.path, err, split: 'train' });
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
      let reduced: boolean;
      ({ image, width, height, reduced } = await decodeImage(byPath.get(e.path)!, size));
      if (reduced) problems.push(largeProblem(e.path, { width, height, reduced }, size));
    } catch (err) {
      failed.push({ path: e.path, err, split: 'test' });
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
            message: `The mask ${e.maskPath} is ${m.width}x${m.height} but its image ${e.path} is ${width}x${height}.`,
            consequence: `Both are resized to ${size}x${size}; check that the mask belongs to this image.`,
          });
        }
      } catch (err) {
        failed.push({ path: e.maskPath, err, split: 'mask', image: e.path });
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
  if (train.length === 0) {
    const first = failed.find((f) => f.split === 'train');
    const why = first ? ` (${decodeProblem(first.path, first.err, '').message})` : '';
    throw new NotADatasetError(
      notADatasetMessage(
        paths,
        `none of its ${plural(index.train.length, 'training image')} could be read${why}`,
      ),
    );
  }
  // A test image that could not be read needs no "mask missing" note on top of its own problem.
  const unreadable = new Set(failed.filter((f) => f.split === 'test').map((f) => f.path));
  // Files left out by decoding: each unreadable file, and the mask of an unreadable test image.
  const unusedMasks = index.test.filter((t) => t.maskPath && unreadable.has(t.path));
  const leftOut = index.counts.ignored + failed.length + unusedMasks.length;
  const kept = problems.filter((p) => !(p.code === 'mask-missing' && p.path && unreadable.has(p.path)));
  problems.length = 0;
  problems.push(...kept, ...unlistedLeftOut(index));
  for (const t of unusedMasks)
    problems.push({
      code: 'orphan-mask',
      severity: 'info',
      path: t.maskPath,
      message: `${t.maskPath} is the mask of ${t.path}, which could not be read.`,
      consequence: 'Left out with its image.',
    });
  for (const f of failed) {
    const consequence =
      f.split === 'train'
        ? `It was skipped; the other ${plural(train.length, 'training image')} loaded.`
        : f.split === 'test'
          ? `It was left out of the test set; the other ${plural(test.length, 'test image')} loaded.`
          : `${f.image} stays in the test set for image-level scores, without pixel-level ground truth.`;
    problems.push(decodeProblem(f.path, f.err, consequence));
  }
  const images: DatasetImages = { size, train, test, textures: [] };
  const summary = summarize(index, problems, size, trainInfo, testInfo, leftOut);
  return { images, summary: { ...summary, fingerprint } };
}

function summarize(
  index: ReturnType<typeof detectLayout>,
  problems: Problem[],
  size: number,
  train: DatasetImageInfo[],
  test: DatasetImageInfo[],
  ignored: number,
): Omit<DatasetSummary, 'fingerprint'> {
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
      ignored,
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
