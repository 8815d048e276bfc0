/**
 * Dataset layout detection from a list of relative file paths (a dropped folder, an
 * `<input webkitdirectory>` listing, a zip listing). Pure: it reads no file, only names.
 *
 * Accepted layouts (all normalised to "one category: train images + test images with masks"):
 *  - MVTec AD: `train/good/`, `test/<type>/`, `ground_truth/<type>/<name>_mask.png`.
 *  - BTAD as distributed (BTech_Dataset_transformed/01|02|03): `train/ok/`, `test/ok|ko/`,
 *    `ground_truth/ko/<name>.png|.bmp` (same stem as the image, no suffix); also the variant
 *    with `ok` renamed to `good` that the DM-GRD reference reads.
 *  - VisA after the usual 1cls conversion (spot-diff prepare_data.py): `train/good/`,
 *    `test/good|bad/`, `ground_truth/bad/<name>.png` (same stem, no `_mask`; `.JPG` images).
 *  - Raw VisA (`Data/Images/Normal|Anomaly`, `Data/Masks/Anomaly`): read with a warning, all
 *    normal images as training data (the benchmark split lives in a CSV we do not read).
 *  - Plain folder of images with none of the above: every image (any depth) is a training image.
 * Normal classes are `good` and `ok`; any other class under `test/` is a defect type. A mask for
 * `test/<type>/<stem>.<ext>` is `ground_truth/<type>/<stem>_mask.*` or `ground_truth/<type>/<stem>.*`
 * in every layout. Names of the split and normal folders are matched case-insensitively.
 *
 * Parent folders: the category root is whatever precedes `train|test|ground_truth`, so a drop of
 * `mvtec/bottle/...` works. A drop holding several categories (`mvtec/bottle`, `mvtec/cable`, ...)
 * lists them all in `categories`, indexes `options.category` (or else the first in natural
 * order) and reports `multiple-categories`, so the UI can offer a choice.
 * OS junk (`.DS_Store`, `Thumbs.db`, `desktop.ini`, `__MACOSX/`, `._*`, any hidden file or folder)
 * is dropped silently and only counted.
 */

export type DatasetLayout = 'mvtec' | 'btad' | 'visa' | 'plain' | 'empty';

export type ProblemSeverity = 'error' | 'warning' | 'info';

export type ProblemCode =
  | 'empty' // nothing usable at all
  | 'no-train' // no normal training image
  | 'no-test' // no test image
  | 'no-anomalous-test' // test set without defect images
  | 'no-good-test' // test set without normal images
  | 'mask-missing' // defect image without mask
  | 'orphan-mask' // mask without image
  | 'ambiguous-mask' // both <stem>_mask and <stem> exist
  | 'mask-for-normal' // ground truth for a normal class
  | 'not-an-image' // file that is no image
  | 'unsupported-image' // image format a browser cannot decode (TIFF)
  | 'empty-folder' // a folder without usable files
  | 'misplaced-file' // a file where the layout expects none
  | 'unexpected-train-class' // train/<x> with x not a normal class
  | 'multiple-categories'
  | 'raw-visa'
  | 'decode-failed' // the browser could not decode the file (corrupt, truncated, not really an image)
  | 'image-too-large' // more pixels than the loader accepts
  | 'large-image' // decoded at a reduced size first to bound memory (still loaded)
  | 'mask-size-mismatch' // mask and image sizes differ
  | 'left-out'; // files left out without a problem of their own (OS junk, beside the category)

export interface Problem {
  code: ProblemCode;
  severity: ProblemSeverity;
  /** The file or folder concerned, as given; absent for whole-dataset problems. */
  path?: string;
  /** What is wrong. */
  message: string;
  /** What happens next. */
  consequence: string;
}

export interface TrainEntry {
  path: string;
}

export interface TestEntry {
  path: string;
  /** Folder name under test/ ('good' / 'ok' for normal images). */
  defectType: string;
  /** 0 normal, 1 anomalous. */
  label: 0 | 1;
  /** Absent for normal images, and for defect images whose mask is missing. */
  maskPath?: string;
}

export interface DatasetCounts {
  train: number;
  /** Test images per defect type (normal type included). */
  test: Record<string, number>;
  testTotal: number;
  /** Defect images paired with a mask. */
  masks: number;
  /** Files left out: OS junk, non-images, misplaced files, other categories. */
  ignored: number;
}

export interface DatasetIndex {
  layout: DatasetLayout;
  /** Category root ('' when the listing starts at the category itself). */
  root: string;
  /** Display name: the root's last folder, or 'dataset'. */
  category: string;
  /** Every category root found (one unless several were dropped together). */
  categories: string[];
  train: TrainEntry[];
  test: TestEntry[];
  counts: DatasetCounts;
  problems: Problem[];
}

export interface DetectOptions {
  /** Category to index when several are present: its root path or its last folder name. */
  category?: string;
}

export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'bmp', 'webp', 'gif'];
const UNSUPPORTED_IMAGE_EXTENSIONS: readonly string[] = ['tif', 'tiff'];
const SPLITS = ['train', 'test', 'ground_truth'] as const;
type Split = (typeof SPLITS)[number];
const NORMAL_CLASSES = ['good', 'ok'];
const JUNK_NAMES = new Set([
  '__macosx',
  '.ds_store',
  'thumbs.db',
  'ehthumbs.db',
  'desktop.ini',
  '$recycle.bin',
  'system volume information',
]);

const naturalCompare = (a: string, b: string): number =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' });

const isJunkSegment = (s: string): boolean =>
  JUNK_NAMES.has(s.toLowerCase()) || s.startsWith('.') || s.endsWith('~');

function splitName(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot + 1).toLowerCase() };
}

export type FileKind = 'image' | 'unsupported-image' | 'other';

/** What a file is, by its extension. */
export function kindOf(name: string): FileKind {
  const { ext } = splitName(name);
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  if (UNSUPPORTED_IMAGE_EXTENSIONS.includes(ext)) return 'unsupported-image';
  return 'other';
}

const isNormalClass = (cls: string): boolean => NORMAL_CLASSES.includes(cls.toLowerCase());

function normalisePath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\//, '');
}

const dirOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
};
const join = (root: string, rel: string): string => (root ? `${root}/${rel}` : rel);
const within = (path: string, dir: string): boolean => dir === '' || path.startsWith(`${dir}/`);

interface Located {
  path: string;
  /** Category root. */
  root: string;
  split: Split;
  /** Class folder (defect type) or '' when the file sits directly in the split folder. */
  cls: string;
  /** Path segments after the class folder. */
  rest: string[];
  rawVisa: boolean;
}

/** Finds the category structure a path belongs to, if any. */
function locate(path: string): Located | null {
  const seg = path.split('/');
  // Raw VisA: <root>/Data/Images/Normal|Anomaly/<f>, <root>/Data/Masks/Anomaly/<f>
  for (let k = 0; k + 3 < seg.length; k++) {
    if (seg[k] !== 'Data') continue;
    const kind = seg[k + 1];
    const cls = seg[k + 2];
    const root = seg.slice(0, k).join('/');
    const rest = seg.slice(k + 3);
    if (kind === 'Images' && (cls === 'Normal' || cls === 'Anomaly'))
      return {
        path,
        root,
        split: cls === 'Normal' ? 'train' : 'test',
        cls: cls === 'Normal' ? 'good' : 'bad',
        rest,
        rawVisa: true,
      };
    if (kind === 'Masks' && cls === 'Anomaly')
      return { path, root, split: 'ground_truth', cls: 'bad', rest, rawVisa: true };
  }
  for (let k = 0; k + 1 < seg.length; k++) {
    const s = seg[k].toLowerCase() as Split;
    if (!SPLITS.includes(s)) continue;
    const root = seg.slice(0, k).join('/');
    if (k + 2 === seg.length) return { path, root, split: s, cls: '', rest: [seg[k + 1]], rawVisa: false };
    return { path, root, split: s, cls: seg[k + 1], rest: seg.slice(k + 2), rawVisa: false };
  }
  return null;
}

class ProblemList {
  readonly items: Problem[] = [];
  add(
    code: ProblemCode,
    severity: ProblemSeverity,
    message: string,
    consequence: string,
    path?: string,
  ): void {
    this.items.push(
      path === undefined
        ? { code, severity, message, consequence }
        : { code, severity, path, message, consequence },
    );
  }
}

function reportFileKind(problems: ProblemList, path: string, kind: FileKind): void {
  if (kind === 'other')
    problems.add(
      'not-an-image',
      'info',
      `${path} is not an image (${IMAGE_EXTENSIONS.join(', ')})`,
      'ignored',
      path,
    );
  else if (kind === 'unsupported-image')
    problems.add(
      'unsupported-image',
      'warning',
      `${path} is a TIFF image, which browsers cannot decode`,
      'ignored; convert it to PNG to use it',
      path,
    );
}

function emptyIndex(problems: ProblemList, ignored: number): DatasetIndex {
  problems.add('empty', 'error', 'the folder holds no image', 'nothing to train on; drop a dataset folder');
  return {
    layout: 'empty',
    root: '',
    category: 'dataset',
    categories: [],
    train: [],
    test: [],
    counts: { train: 0, test: {}, testTotal: 0, masks: 0, ignored },
    problems: problems.items,
  };
}

/** Longest common folder of a set of file paths. */
function commonDir(paths: string[]): string {
  if (paths.length === 0) return '';
  let parts = dirOf(paths[0]).split('/').filter(Boolean);
  for (const p of paths) {
    const d = dirOf(p).split('/');
    let i = 0;
    while (i < parts.length && i < d.length && parts[i] === d[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

export function detectLayout(paths: readonly string[], options: DetectOptions = {}): DatasetIndex {
  const problems = new ProblemList();
  let ignored = 0;
  const files: string[] = [];
  /** Folders known to exist: explicit `dir/` entries and parents of every path, junk included. */
  const knownDirs = new Set<string>();
  const seen = new Set<string>();
  for (const raw of paths) {
    const isDir = /[\\/]$/.test(raw);
    const p = normalisePath(raw).replace(/\/$/, '');
    if (!p || seen.has(p)) continue;
    seen.add(p);
    const segs = p.split('/');
    const firstJunk = segs.findIndex(isJunkSegment);
    // Parents of a junk file still count as existing folders (a test/<type>/ holding only .DS_Store).
    const ownDepth = isDir ? segs.length : segs.length - 1;
    const dirDepth = firstJunk < 0 ? ownDepth : Math.min(firstJunk, ownDepth);
    for (let i = 1; i <= dirDepth; i++) knownDirs.add(segs.slice(0, i).join('/'));
    if (isDir) continue;
    if (firstJunk >= 0) {
      ignored++;
      continue;
    }
    files.push(p);
  }
  files.sort(naturalCompare);

  const located = new Map<string, Located>();
  const roots = new Set<string>();
  for (const f of files) {
    const loc = locate(f);
    if (loc) {
      located.set(f, loc);
      roots.add(loc.root);
    }
  }

  if (roots.size === 0) return plainIndex(files, knownDirs, problems, ignored);

  const categories = [...roots].sort(naturalCompare);
  let root = categories[0];
  if (options.category !== undefined) {
    const want = options.category;
    const match = categories.find((r) => r === want) ?? categories.find((r) => r.split('/').pop() === want);
    if (match !== undefined) root = match;
  }
  if (categories.length > 1) {
    problems.add(
      'multiple-categories',
      'warning',
      `${categories.length} categories found: ${categories.join(', ')}`,
      `using ${root || '(top level)'}; pick another category to index it instead`,
    );
  }

  const rawVisa = [...located.values()].some((l) => l.root === root && l.rawVisa);
  const train: TrainEntry[] = [];
  const testImages: { path: string; cls: string; stem: string }[] = [];
  /** ground_truth/<cls>/<stem> → mask paths */
  const masks = new Map<string, string[]>();

  for (const f of files) {
    const loc = located.get(f);
    if (!loc || loc.root !== root) {
      // Files of other categories are covered by 'multiple-categories'; report the rest.
      if (loc || !(within(f, root) || within(root, dirOf(f)))) {
        ignored++;
        continue;
      }
      const kind = kindOf(f);
      if (kind !== 'image') reportFileKind(problems, f, kind);
      else
        problems.add(
          'misplaced-file',
          'warning',
          `${f} is outside train/, test/ and ground_truth/`,
          'ignored',
          f,
        );
      ignored++;
      continue;
    }
    const kind = kindOf(f);
    if (kind !== 'image') {
      reportFileKind(problems, f, kind);
      ignored++;
      continue;
    }
    if (loc.cls === '' || loc.rest.length !== 1) {
      const where = loc.cls === '' ? `directly in ${loc.split}/` : `nested below ${loc.split}/${loc.cls}/`;
      problems.add(
        'misplaced-file',
        'warning',
        `${f} lies ${where}; expected ${loc.split}/<class>/<file>`,
        'ignored',
        f,
      );
      ignored++;
      continue;
    }
    const { stem } = splitName(loc.rest[0]);
    if (loc.split === 'train') {
      if (isNormalClass(loc.cls)) train.push({ path: f });
      else {
        problems.add(
          'unexpected-train-class',
          'warning',
          `${f} is in train/${loc.cls}/; training images must be normal (train/good/)`,
          'ignored: training uses normal images only',
          f,
        );
        ignored++;
      }
    } else if (loc.split === 'test') {
      testImages.push({ path: f, cls: loc.cls, stem });
    } else {
      const key = `${loc.cls}/${stem}`;
      const list = masks.get(key);
      if (list) list.push(f);
      else masks.set(key, [f]);
    }
  }

  // Pair defect images with masks.
  const usedMasks = new Set<string>();
  const test: TestEntry[] = [];
  for (const t of testImages) {
    if (isNormalClass(t.cls)) {
      test.push({ path: t.path, defectType: t.cls, label: 0 });
      continue;
    }
    const suffixed = masks.get(`${t.cls}/${t.stem}_mask`) ?? [];
    const plain = masks.get(`${t.cls}/${t.stem}`) ?? [];
    const candidates = [...suffixed, ...plain];
    const entry: TestEntry = { path: t.path, defectType: t.cls, label: 1 };
    if (candidates.length === 0) {
      problems.add(
        'mask-missing',
        'warning',
        `no mask for defect image ${t.path} (looked for ground_truth/${t.cls}/${t.stem}_mask.* and ${t.stem}.*)`,
        'kept for image-level scores; left out of pixel-level metrics',
        t.path,
      );
    } else {
      entry.maskPath = candidates[0];
      for (const m of candidates) usedMasks.add(m);
      if (candidates.length > 1)
        problems.add(
          'ambiguous-mask',
          'info',
          `${candidates.length} masks match ${t.path}: ${candidates.join(', ')}`,
          `using ${candidates[0]}`,
          t.path,
        );
    }
    test.push(entry);
  }
  for (const list of masks.values()) {
    for (const m of list) {
      if (usedMasks.has(m)) continue;
      const cls = (located.get(m) as Located).cls;
      if (isNormalClass(cls))
        problems.add('mask-for-normal', 'info', `${m} is a mask for the normal class ${cls}`, 'ignored', m);
      else problems.add('orphan-mask', 'warning', `mask ${m} has no test image`, 'ignored', m);
      ignored++;
    }
  }

  // Folders of the category that exist (explicit entries, parents of junk) but hold no file at all;
  // folders whose files were rejected are covered by those files' own problems.
  const dirsWithFiles = new Set<string>();
  for (const f of files) {
    const segs = f.split('/');
    for (let i = 1; i < segs.length; i++) dirsWithFiles.add(segs.slice(0, i).join('/'));
  }
  for (const d of [...knownDirs].sort(naturalCompare)) {
    if (dirsWithFiles.has(d) || !within(d, root) || d === root) continue;
    const rel = root ? d.slice(root.length + 1) : d;
    const segs = rel.split('/');
    if (segs.length > 2 || !SPLITS.includes(segs[0].toLowerCase() as Split)) continue;
    if (segs.length === 1 && [...knownDirs].some((k) => k.startsWith(`${d}/`))) continue; // reported via its children
    const normalGt = segs[0].toLowerCase() === 'ground_truth' && segs.length === 2 && isNormalClass(segs[1]);
    problems.add(
      'empty-folder',
      normalGt ? 'info' : 'warning',
      `${d}/ is empty`,
      normalGt ? 'fine: normal images need no masks' : 'nothing from it is used',
      d,
    );
  }

  train.sort((a, b) => naturalCompare(a.path, b.path));
  test.sort(
    (a, b) =>
      a.label - b.label || naturalCompare(a.defectType, b.defectType) || naturalCompare(a.path, b.path),
  );

  const counts: DatasetCounts = { train: train.length, test: {}, testTotal: test.length, masks: 0, ignored };
  for (const t of test) {
    counts.test[t.defectType] = (counts.test[t.defectType] ?? 0) + 1;
    if (t.maskPath) counts.masks++;
  }

  const defectTypes = [...new Set(test.filter((t) => t.label === 1).map((t) => t.defectType.toLowerCase()))];
  const classNames = [
    ...new Set([...located.values()].filter((l) => l.root === root).map((l) => l.cls.toLowerCase())),
  ];
  let layout: DatasetLayout = 'mvtec';
  if (rawVisa) layout = 'visa';
  else if (classNames.includes('ok') || classNames.includes('ko')) layout = 'btad';
  else if (defectTypes.length === 1 && defectTypes[0] === 'bad') layout = 'visa';

  if (rawVisa)
    problems.add(
      'raw-visa',
      'warning',
      'raw VisA layout (Data/Images/Normal|Anomaly): the benchmark split is in split_csv/1cls.csv, which is not read',
      'all normal images train, all anomalous images test (no normal test images); convert with the 1cls split script for comparable numbers',
    );
  if (train.length === 0)
    problems.add(
      'no-train',
      'error',
      `no normal training image (expected ${join(root, 'train/good/')})`,
      'training is impossible',
      join(root, 'train'),
    );
  if (test.length === 0)
    problems.add(
      'no-test',
      'warning',
      'no test image',
      'training works; evaluation is skipped',
      join(root, 'test'),
    );
  else {
    if (!test.some((t) => t.label === 1))
      problems.add(
        'no-anomalous-test',
        'warning',
        'the test set has no defect images',
        'AUROC and PRO cannot be computed; anomaly maps can still be viewed',
        join(root, 'test'),
      );
    if (!test.some((t) => t.label === 0))
      problems.add(
        'no-good-test',
        'warning',
        'the test set has no normal images (test/good/)',
        'image-level AUROC cannot be computed; pixel-level metrics still work',
        join(root, 'test'),
      );
  }

  return {
    layout,
    root,
    category: root.split('/').pop() || 'dataset',
    categories,
    train,
    test,
    counts,
    problems: problems.items,
  };
}

function plainIndex(
  files: string[],
  knownDirs: Set<string>,
  problems: ProblemList,
  ignored: number,
): DatasetIndex {
  const train: TrainEntry[] = [];
  for (const f of files) {
    const kind = kindOf(f);
    if (kind === 'image') train.push({ path: f });
    else {
      reportFileKind(problems, f, kind);
      ignored++;
    }
  }
  if (train.length === 0) {
    if (files.length === 0 && knownDirs.size > 0)
      problems.add(
        'empty-folder',
        'warning',
        'the dropped folder holds no file',
        'nothing is used',
        [...knownDirs][0],
      );
    return emptyIndex(problems, ignored);
  }
  const root = commonDir(train.map((t) => t.path));
  problems.add(
    'no-test',
    'info',
    'plain image folder: no train/ or test/ structure, every image is a normal training image',
    'training works; evaluation is skipped (no test set)',
  );
  return {
    layout: 'plain',
    root,
    category: root.split('/').pop() || 'dataset',
    categories: [root],
    train,
    test: [],
    counts: { train: train.length, test: {}, testTotal: 0, masks: 0, ignored },
    problems: problems.items,
  };
}
