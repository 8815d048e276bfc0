import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { notADatasetMessage, notADatasetReason } from '../../src/core/data/dataset-check';
import { datasetMismatch, folderFingerprint } from '../../src/core/data/fingerprint';
import { detectLayout } from '../../src/core/data/layout';
import { sharedPath } from '../helpers/golden';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Relative file paths below `base` with their byte sizes, prefixed as a folder drop lists them. */
function listing(base: string, prefix: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push({ path: `${prefix}/${relative(base, p).split('\\').join('/')}`, bytes: st.size });
    }
  };
  walk(base);
  return out;
}

/** How the refusal counts a listing's files that are no image (TIFF is an image it cannot read). */
function notImagesNote(paths: string[]): string {
  const others = paths.filter((p) => !/\.(png|jpe?g|bmp|webp|gif|tiff?)$/i.test(p)).length;
  return others === paths.length
    ? `none of its ${paths.length} files is an image`
    : `${others} of its ${paths.length} files are not images`;
}

const reasonFor = (paths: string[]): string | null => notADatasetReason(detectLayout(paths), paths);
const bottle = sharedPath('data/mvtec-fullres-subset/bottle');

describe('a folder that is not a dataset', () => {
  it('a source tree with test/ folders (this repository) is refused, not read as MVTec', () => {
    const paths = ['src', 'test', 'e2e', 'workers'].flatMap((d) =>
      listing(join(REPO, d), `playground/${d}`).map((f) => f.path),
    );
    const ix = detectLayout(paths);
    // What the loader used to show: an MVTec layout and a long problem list.
    expect(ix.layout).toBe('mvtec');
    expect(ix.problems.length).toBeGreaterThan(50);
    const reason = notADatasetReason(ix, paths);
    expect(reason).toBe(
      `it has no normal training image (no train/good/ folder with images in it); ${notImagesNote(paths)}`,
    );
    const message = notADatasetMessage(paths, reason!);
    expect(message).toMatch(/^playground is not a dataset folder: it has no normal training image/);
    expect(message).toContain('A dataset folder is an MVTec AD category (bottle/train/good/*.png');
  });

  it('a source folder named src is refused by what a dataset holds, not by a path made of its code folders', () => {
    const paths = listing(join(REPO, 'src'), 'src').map((f) => f.path);
    // src/core/train/ holds the trainer: the layout reads src/core as a category root.
    expect(detectLayout(paths).root).toBe('src/core');
    const message = notADatasetMessage(paths, reasonFor(paths)!);
    expect(message).not.toContain('src/core/train/good');
    expect(message).toMatch(
      /^src is not a dataset folder: it has no normal training image \(no train\/good\/ folder with images in it\); /,
    );
    expect(message).toContain(`; ${notImagesNote(paths)}. `);
    expect(message).toContain(
      'A dataset folder is an MVTec AD category (bottle/train/good/*.png to train on',
    );
  });

  it('counts every file of a source tree that is not an image, not only those beside the category it picked', () => {
    // src/core/train/ makes src/core a category root; src/ui/ and src/main.ts lie beside it.
    const tree = [
      ...Array.from({ length: 120 }, (_, i) => `src/core/part${i}.ts`),
      'src/core/train/trainer.ts',
      'src/core/train/adam.ts',
      ...Array.from({ length: 124 }, (_, i) => `src/ui/view${i}.tsx`),
      'src/main.ts',
      'src/styles.css',
    ];
    expect(tree).toHaveLength(248);
    expect(reasonFor(tree)).toBe(
      'it has no normal training image (no train/good/ folder with images in it); none of its 248 files is an image',
    );
    const withIcons = [...tree, 'src/ui/icons/logo.png', 'src/ui/icons/run.svg', 'src/ui/'];
    expect(reasonFor(withIcons)).toBe(
      'it has no normal training image (no train/good/ folder with images in it); 249 of its 250 files are not images',
    );
  });

  it('a category with test images but no training image says where they were expected', () => {
    const paths = [
      'cable/test/good/000.png',
      'cable/test/bent/000.png',
      'cable/ground_truth/bent/000_mask.png',
    ];
    expect(reasonFor(paths)).toBe('it has no normal training image (none in cable/train/good/)');
  });

  it('a folder of mostly other files with a few pictures is not a plain image folder', () => {
    const code = Array.from({ length: 12 }, (_, i) => `app/src/module${i}.ts`);
    const reason = reasonFor([...code, 'app/assets/logo.png', 'app/assets/icon.png']);
    expect(reason).toBe(
      'only 2 of its 14 files are images (app/src/module0.ts is not), so it is not a folder of images',
    );
  });

  it('no image at all, and an empty drop', () => {
    expect(reasonFor(['notes/a.txt', 'notes/b.md'])).toBe('none of its 2 files is an image');
    expect(reasonFor([])).toBe('it holds no image');
  });

  it('datasets pass: an MVTec category, a plain image folder with a readme', () => {
    if (existsSync(bottle)) expect(reasonFor(listing(bottle, 'bottle').map((f) => f.path))).toBeNull();
    const plain = [...Array.from({ length: 5 }, (_, i) => `tiles/${i}.png`), 'tiles/README.txt'];
    expect(reasonFor(plain)).toBeNull();
  });
});

describe('dataset fingerprint', () => {
  const fingerprint = (files: { path: string; bytes: number }[], size = 64) => {
    const bytes = new Map(files.map((f) => [f.path, f.bytes]));
    return folderFingerprint(detectLayout(files.map((f) => f.path)), (p) => bytes.get(p)!, size);
  };

  it.skipIf(!existsSync(bottle))(
    'the same folder under another name or place matches; stored size is not compared',
    async () => {
      const files = listing(bottle, 'bottle');
      const a = await fingerprint(files);
      expect(a).toMatchObject({
        source: 'folder',
        category: 'bottle',
        layout: 'mvtec',
        storedSize: 64,
        counts: { train: 5, test: 10, masks: 5 },
      });
      expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
      const moved = files.map((f) => ({ ...f, path: `copies/${f.path.replace(/^bottle/, 'bottle-copy')}` }));
      const b = await fingerprint(moved, 256);
      expect(b.hash).toBe(a.hash);
      expect(datasetMismatch(a, b)).toBeNull();
      // OS junk is not part of the dataset.
      expect((await fingerprint([...files, { path: 'bottle/.DS_Store', bytes: 6148 }])).hash).toBe(a.hash);
    },
  );

  it.skipIf(!existsSync(bottle))('says what differs: counts first, else names or sizes', async () => {
    const files = listing(bottle, 'bottle');
    const a = await fingerprint(files);
    const oneLess = files.filter((f) => f.path !== 'bottle/train/good/000.png');
    expect(datasetMismatch(a, await fingerprint(oneLess))).toBe(
      'bottle is not the folder the run was trained on (bottle): it has 4 training images instead of 5',
    );
    const edited = files.map((f) =>
      f.path === 'bottle/train/good/000.png' ? { ...f, bytes: f.bytes + 1 } : f,
    );
    expect(datasetMismatch(a, await fingerprint(edited))).toBe(
      'bottle is not the folder the run was trained on (bottle): it has the same number of images, but other file names or sizes',
    );
  });
});
