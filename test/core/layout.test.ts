import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectLayout, type DatasetIndex, type ProblemCode } from '../../src/core/data/layout';
import { sharedPath } from '../helpers/golden';

/** Relative file paths below `base`, prefixed with `prefix` (as a browser folder drop lists them). */
function listing(base: string, prefix: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(`${prefix}/${relative(base, p).split('\\').join('/')}`);
    }
  };
  walk(base);
  return out;
}

const codes = (ix: DatasetIndex): ProblemCode[] => ix.problems.map((p) => p.code);
const problem = (ix: DatasetIndex, code: ProblemCode) => ix.problems.find((p) => p.code === code);

const mvtec256 = sharedPath('data/mvtec-256/bottle');
const fullres = sharedPath('data/mvtec-fullres-subset/bottle');

describe.skipIf(!existsSync(mvtec256))('real MVTec listings', () => {
  it('indexes mvtec-256/bottle', () => {
    const files = listing(mvtec256, 'bottle');
    const ix = detectLayout(files);
    expect(ix.layout).toBe('mvtec');
    expect(ix.root).toBe('bottle');
    expect(ix.category).toBe('bottle');
    expect(ix.categories).toEqual(['bottle']);
    expect(ix.counts.train).toBe(209);
    expect(ix.counts.test).toEqual({ good: 20, broken_large: 20, broken_small: 22, contamination: 21 });
    expect(ix.counts.testTotal).toBe(83);
    expect(ix.counts.masks).toBe(63);
    expect(ix.problems).toEqual([]);
    const t = ix.test.find((e) => e.path === 'bottle/test/broken_small/007.png');
    expect(t).toEqual({
      path: 'bottle/test/broken_small/007.png',
      defectType: 'broken_small',
      label: 1,
      maskPath: 'bottle/ground_truth/broken_small/007_mask.png',
    });
    expect(ix.test.filter((e) => e.label === 0).every((e) => e.maskPath === undefined)).toBe(true);
    expect(ix.test[0].label).toBe(0); // normal images first
    expect(ix.train[0].path).toBe('bottle/train/good/000.png');
  });

  it('indexes the full-resolution subset and tolerates a parent folder and OS junk', () => {
    const files = listing(fullres, 'data/bottle');
    files.push('data/.DS_Store', 'data/bottle/train/good/Thumbs.db', '__MACOSX/bottle/train/good/._000.png');
    files.push('data/bottle/test/good/._000.png', 'data/bottle/desktop.ini');
    const ix = detectLayout(files);
    expect(ix.layout).toBe('mvtec');
    expect(ix.root).toBe('data/bottle');
    expect(ix.counts.train).toBe(5);
    expect(ix.counts.test).toEqual({ good: 5, broken_large: 5 });
    expect(ix.counts.masks).toBe(5);
    expect(ix.counts.ignored).toBe(5);
    expect(ix.problems).toEqual([]);
  });
});

/** A small synthetic MVTec category. */
function mvtecLike(root = 'cat'): string[] {
  return [
    `${root}/train/good/000.png`,
    `${root}/train/good/001.png`,
    `${root}/test/good/000.png`,
    `${root}/test/crack/000.png`,
    `${root}/test/crack/001.png`,
    `${root}/ground_truth/crack/000_mask.png`,
    `${root}/ground_truth/crack/001_mask.png`,
  ];
}

describe('other layouts', () => {
  it('BTAD as distributed: train/ok, test/ok|ko, ground_truth/ko with same stems (png or bmp)', () => {
    const ix = detectLayout([
      'BTech_Dataset_transformed/01/train/ok/0000.bmp',
      'BTech_Dataset_transformed/01/train/ok/0001.bmp',
      'BTech_Dataset_transformed/01/test/ok/0000.bmp',
      'BTech_Dataset_transformed/01/test/ko/0000.bmp',
      'BTech_Dataset_transformed/01/test/ko/0001.bmp',
      'BTech_Dataset_transformed/01/ground_truth/ko/0000.png',
      'BTech_Dataset_transformed/01/ground_truth/ko/0001.bmp',
    ]);
    expect(ix.layout).toBe('btad');
    expect(ix.category).toBe('01');
    expect(ix.counts).toMatchObject({ train: 2, test: { ok: 1, ko: 2 }, masks: 2 });
    expect(ix.test.find((t) => t.path.endsWith('ko/0001.bmp'))?.maskPath).toBe(
      'BTech_Dataset_transformed/01/ground_truth/ko/0001.bmp',
    );
    expect(ix.test.find((t) => t.defectType === 'ok')?.label).toBe(0);
    expect(ix.problems).toEqual([]);
  });

  it('BTAD with ok renamed to good (as the DM-GRD reference reads it)', () => {
    const ix = detectLayout([
      '02/train/good/0000.png',
      '02/test/good/0000.png',
      '02/test/ko/0001.png',
      '02/ground_truth/ko/0001.png',
    ]);
    expect(ix.layout).toBe('btad');
    expect(ix.counts.masks).toBe(1);
  });

  it('VisA after the 1cls conversion: test/good|bad, masks without suffix', () => {
    const ix = detectLayout([
      'VisA_pytorch/1cls/candle/train/good/0001.JPG',
      'VisA_pytorch/1cls/candle/test/good/0002.JPG',
      'VisA_pytorch/1cls/candle/test/bad/000.JPG',
      'VisA_pytorch/1cls/candle/ground_truth/bad/000.png',
      'VisA_pytorch/1cls/candle/ground_truth/good/', // the conversion leaves this folder empty
    ]);
    expect(ix.layout).toBe('visa');
    expect(ix.root).toBe('VisA_pytorch/1cls/candle');
    expect(ix.test.find((t) => t.label === 1)?.maskPath).toBe(
      'VisA_pytorch/1cls/candle/ground_truth/bad/000.png',
    );
    expect(ix.problems.map((p) => [p.code, p.severity])).toEqual([['empty-folder', 'info']]);
  });

  it('raw VisA: usable with a warning', () => {
    const ix = detectLayout([
      'VisA/candle/Data/Images/Normal/0000.JPG',
      'VisA/candle/Data/Images/Normal/0001.JPG',
      'VisA/candle/Data/Images/Anomaly/000.JPG',
      'VisA/candle/Data/Masks/Anomaly/000.png',
      'VisA/split_csv/1cls.csv',
    ]);
    expect(ix.layout).toBe('visa');
    expect(ix.root).toBe('VisA/candle');
    expect(ix.counts).toMatchObject({ train: 2, test: { bad: 1 }, masks: 1 });
    expect(codes(ix)).toEqual(['raw-visa', 'no-good-test']);
    expect(ix.counts.ignored).toBe(1); // split_csv/ lies beside the category: left out silently
  });

  it('plain folder of images: every image trains, non-images are reported', () => {
    const ix = detectLayout(['shots/a.png', 'shots/sub/b.JPG', 'shots/notes.txt', 'shots/.DS_Store']);
    expect(ix.layout).toBe('plain');
    expect(ix.root).toBe('shots');
    expect(ix.train.map((t) => t.path)).toEqual(['shots/a.png', 'shots/sub/b.JPG']);
    expect(ix.test).toEqual([]);
    expect(codes(ix).sort()).toEqual(['no-test', 'not-an-image']);
    expect(problem(ix, 'not-an-image')?.path).toBe('shots/notes.txt');
    expect(ix.counts.ignored).toBe(2);
  });

  it('accepts Windows separators, ./ prefixes and duplicates', () => {
    const ix = detectLayout([
      ...mvtecLike().map((p) => `.\\${p.replace(/\//g, '\\')}`),
      'cat/train/good/000.png',
    ]);
    expect(ix.root).toBe('cat');
    expect(ix.counts.train).toBe(2);
    expect(ix.counts.masks).toBe(2);
    expect(ix.problems).toEqual([]);
  });

  it('the listing may start at the category itself', () => {
    const ix = detectLayout(mvtecLike().map((p) => p.slice('cat/'.length)));
    expect(ix.root).toBe('');
    expect(ix.category).toBe('dataset');
    expect(ix.counts.train).toBe(2);
  });
});

describe('problems', () => {
  it('empty listing, and a folder holding only junk', () => {
    expect(codes(detectLayout([]))).toEqual(['empty']);
    const ix = detectLayout(['drop/.DS_Store', 'drop/Thumbs.db']);
    expect(ix.layout).toBe('empty');
    expect(codes(ix)).toEqual(['empty-folder', 'empty']);
    expect(ix.problems.find((p) => p.code === 'empty')?.severity).toBe('error');
  });

  it('mask missing for a defect image', () => {
    const files = mvtecLike().filter((p) => !p.endsWith('001_mask.png'));
    const ix = detectLayout(files);
    const p = problem(ix, 'mask-missing');
    expect(p?.path).toBe('cat/test/crack/001.png');
    expect(p?.severity).toBe('warning');
    expect(ix.test.find((t) => t.path === 'cat/test/crack/001.png')).toEqual({
      path: 'cat/test/crack/001.png',
      defectType: 'crack',
      label: 1,
    });
    expect(ix.counts.masks).toBe(1);
  });

  it('mask without image, mask for a normal class, two masks for one image', () => {
    const ix = detectLayout([
      ...mvtecLike(),
      'cat/ground_truth/crack/007_mask.png',
      'cat/ground_truth/good/000_mask.png',
      'cat/ground_truth/crack/000.png',
    ]);
    expect(problem(ix, 'orphan-mask')?.path).toBe('cat/ground_truth/crack/007_mask.png');
    expect(problem(ix, 'mask-for-normal')?.path).toBe('cat/ground_truth/good/000_mask.png');
    const amb = problem(ix, 'ambiguous-mask');
    expect(amb?.path).toBe('cat/test/crack/000.png');
    expect(ix.test.find((t) => t.path === 'cat/test/crack/000.png')?.maskPath).toBe(
      'cat/ground_truth/crack/000_mask.png',
    );
    expect(ix.counts.masks).toBe(2);
  });

  it('non-image and TIFF files, misplaced files, non-normal training classes', () => {
    const ix = detectLayout([
      ...mvtecLike(),
      'cat/license.txt',
      'cat/test/crack/002.tiff',
      'cat/train/000.png',
      'cat/test/crack/deeper/003.png',
      'cat/stray.png',
      'cat/train/bad/004.png',
    ]);
    expect(problem(ix, 'not-an-image')?.path).toBe('cat/license.txt');
    expect(problem(ix, 'unsupported-image')?.path).toBe('cat/test/crack/002.tiff');
    expect(
      ix.problems
        .filter((p) => p.code === 'misplaced-file')
        .map((p) => p.path)
        .sort(),
    ).toEqual(['cat/stray.png', 'cat/test/crack/deeper/003.png', 'cat/train/000.png']);
    expect(problem(ix, 'unexpected-train-class')?.path).toBe('cat/train/bad/004.png');
    expect(ix.counts.train).toBe(2);
    expect(ix.counts.testTotal).toBe(3);
    expect(ix.counts.ignored).toBe(6);
  });

  it('empty folders: explicit entries and folders holding only junk', () => {
    const ix = detectLayout([
      ...mvtecLike(),
      'cat/test/hole/',
      'cat/test/scratch/.DS_Store',
      'cat/ground_truth/hole/',
    ]);
    const empty = ix.problems.filter((p) => p.code === 'empty-folder').map((p) => p.path);
    expect(empty).toEqual(['cat/ground_truth/hole', 'cat/test/hole', 'cat/test/scratch']);
  });

  it('no train/good, no test, only defects, only normal tests', () => {
    const noTrain = detectLayout(mvtecLike().filter((p) => !p.includes('/train/')));
    expect(problem(noTrain, 'no-train')?.severity).toBe('error');
    const noTest = detectLayout(mvtecLike().filter((p) => p.includes('/train/')));
    expect(codes(noTest)).toEqual(['no-test']);
    const onlyDefects = detectLayout(mvtecLike().filter((p) => !p.includes('/test/good/')));
    expect(codes(onlyDefects)).toEqual(['no-good-test']);
    const onlyGood = detectLayout(mvtecLike().filter((p) => !p.includes('crack')));
    expect(codes(onlyGood)).toEqual(['no-anomalous-test']);
  });

  it('several categories: lists them, indexes the first or the chosen one', () => {
    const files = [...mvtecLike('mvtec/zipper'), ...mvtecLike('mvtec/bottle'), 'mvtec/readme.txt'];
    const ix = detectLayout(files);
    expect(ix.categories).toEqual(['mvtec/bottle', 'mvtec/zipper']);
    expect(ix.root).toBe('mvtec/bottle');
    expect(codes(ix).sort()).toEqual(['multiple-categories', 'not-an-image']);
    expect(ix.counts.train).toBe(2);
    expect(ix.train.every((t) => t.path.startsWith('mvtec/bottle/'))).toBe(true);
    const z = detectLayout(files, { category: 'zipper' });
    expect(z.root).toBe('mvtec/zipper');
    expect(z.category).toBe('zipper');
    expect(z.train.every((t) => t.path.startsWith('mvtec/zipper/'))).toBe(true);
  });

  it('every problem says what is wrong and what happens next', () => {
    const ix = detectLayout([
      ...mvtecLike('m/a'),
      ...mvtecLike('m/b'),
      'm/a/ground_truth/crack/009_mask.png',
      'm/a/test/x/0.tif',
      'm/a/notes.md',
    ]);
    expect(ix.problems.length).toBeGreaterThan(2);
    for (const p of ix.problems) {
      expect(p.message.length).toBeGreaterThan(5);
      expect(p.consequence.length).toBeGreaterThan(3);
      expect(['error', 'warning', 'info']).toContain(p.severity);
    }
  });
});
