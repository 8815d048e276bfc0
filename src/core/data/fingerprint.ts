import type { DemoCategory } from '../demo/surfaces';
import type { DatasetIndex, DatasetLayout } from './layout';

/**
 * What identifies a dataset well enough to tell, when a run is reopened, whether the folder picked
 * again is the one it was trained on. Computed from the listing at load time (names and byte sizes,
 * not the pixels: hashing every image would double the load time of a full-resolution folder).
 * The stored image side is kept too: scores depend on it, so a run is evaluated at its own.
 */
export interface DatasetFingerprint {
  /** A folder the user picked, or the built-in demo set (regenerated from `demo`). */
  source: 'folder' | 'demo';
  category: string;
  layout: DatasetLayout;
  /** Side the images were stored at. */
  storedSize: number;
  /** Files the layout indexed (decoding may leave some out). */
  counts: { train: number; test: number; masks: number };
  /**
   * Folder: the first 16 hex digits of the SHA-256 of every indexed file's path below the category
   * root and its byte size, so a renamed or moved copy of the folder matches. Demo: its generator
   * parameters.
   */
  hash: string;
  /** Demo only: what regenerates the same images. */
  demo?: { seed: number; size: number; category: DemoCategory };
}

/** The files `index` uses (training images, test images, masks), with their byte sizes. */
export async function folderFingerprint(
  index: DatasetIndex,
  bytesOf: (path: string) => number,
  storedSize: number,
): Promise<DatasetFingerprint> {
  const used = [
    ...index.train.map((t) => t.path),
    ...index.test.flatMap((t) => (t.maskPath ? [t.path, t.maskPath] : [t.path])),
  ];
  const below = (p: string): string => (index.root ? p.slice(index.root.length + 1) : p);
  const lines = used.map((p) => `${below(p)}\t${bytesOf(p)}`).sort();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(lines.join('\n')));
  const hash = Array.from(new Uint8Array(digest).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
  return {
    source: 'folder',
    category: index.category,
    layout: index.layout,
    storedSize,
    counts: { train: index.train.length, test: index.test.length, masks: index.counts.masks },
    hash,
  };
}

export function demoFingerprint(
  demo: { seed: number; size: number; category: DemoCategory },
  counts: DatasetFingerprint['counts'],
  root: string,
): DatasetFingerprint {
  return {
    source: 'demo',
    category: root,
    layout: 'mvtec',
    storedSize: demo.size,
    counts,
    hash: `demo:${demo.category}:${demo.seed}:${demo.size}`,
    demo,
  };
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "bottle (5 training / 10 test images, 64 px)": how a fingerprint is named in messages. */
export function describeDataset(fp: DatasetFingerprint): string {
  const what = fp.source === 'demo' ? 'built-in demo set' : 'folder';
  return (
    `the ${what} ${fp.category} (${plural(fp.counts.train, 'training image')}, ` +
    `${plural(fp.counts.test, 'test image')}, stored at ${fp.storedSize} px)`
  );
}

/**
 * Null when `actual` holds the same images as `expected`; else a sentence saying what differs.
 * The stored side is not compared: it is a choice made at load, and the caller loads at the
 * expected one.
 */
export function datasetMismatch(expected: DatasetFingerprint, actual: DatasetFingerprint): string | null {
  if (expected.source !== actual.source || (expected.source === 'demo' && expected.hash !== actual.hash))
    return `this is ${describeDataset(actual)}, not ${describeDataset(expected)}`;
  const diffs: string[] = [];
  const { counts: e } = expected;
  const { counts: a } = actual;
  if (e.train !== a.train) diffs.push(`${a.train} training images instead of ${e.train}`);
  if (e.test !== a.test) diffs.push(`${a.test} test images instead of ${e.test}`);
  if (e.masks !== a.masks) diffs.push(`${a.masks} masks instead of ${e.masks}`);
  if (diffs.length === 0 && expected.hash !== actual.hash)
    diffs.push('the same number of images, but other file names or sizes');
  if (diffs.length === 0) return null;
  return `${actual.category} is not the folder the run was trained on (${expected.category}): it has ${diffs.join(', ')}`;
}

/**
 * Why a model trained on `expected` cannot be opened on the `loaded` dataset, or null. Unknown
 * (`expected` absent: runs saved before fingerprints existed) opens on whatever is loaded.
 */
export function datasetProblem(
  expected: DatasetFingerprint | undefined,
  loaded: DatasetFingerprint | undefined,
): string | null {
  if (!expected) return null;
  if (!loaded) return `no dataset is loaded; the run trained on ${describeDataset(expected)}`;
  const mismatch = datasetMismatch(expected, loaded);
  if (mismatch) return mismatch;
  if (expected.storedSize !== loaded.storedSize)
    return `${loaded.category} is loaded at ${loaded.storedSize} px, the run used it at ${expected.storedSize} px`;
  return null;
}
