import { describe, expect, it } from 'vitest';
import { detectLayout, type DatasetIndex, type ProblemCode } from '../../src/core/data/layout';
import { sniffImage } from '../../src/core/data/sniff';
import {
  CORPUS_ROOT,
  LONG_NAME,
  NON_ASCII_NAME,
  declaredHugePng,
  imageCorpus,
  rgbJpeg,
  rgbPng,
  writePng,
} from '../helpers/bad-corpus';

// The bad-input corpus of docs/reliability.md, node side: what the byte checks say about each file
// (the loader prints `Cannot read <path>: <reason>.`) and what the layout detection reports. The
// decoding itself runs in Chromium: e2e/bad-input.spec.ts.

const corpus = imageCorpus();
const codes = (ix: DatasetIndex): ProblemCode[] => ix.problems.map((p) => p.code);

describe('sniffImage on the corpus', () => {
  for (const f of corpus) {
    const m = f.expect.message?.source ?? '';
    // Messages the byte check alone produces (the browser and size-limit ones are checked in e2e).
    const fromSniff = f.expect.code === 'decode-failed' && !m.includes('browser cannot decode');
    if (fromSniff) {
      it(`${f.what}: ${f.path}`, () => {
        const s = sniffImage(f.bytes);
        expect(s.ok).toBe(false);
        if (s.ok) return;
        expect(`Cannot read ${f.path}: ${s.reason}.`).toMatch(f.expect.message!);
      });
    } else if (/\.(png|jpe?g)$/.test(f.path) && f.expect.code !== 'orphan-mask') {
      it(`${f.what}: ${f.path} passes the byte check`, () => {
        const s = sniffImage(f.bytes);
        expect(s.ok, JSON.stringify(s)).toBe(true);
      });
    }
  }

  it('reads the declared size before decoding: 8000x8000, a 10 GP bomb, a JPEG, 16-bit and palette PNGs', () => {
    const huge = corpus.find((f) => f.path.endsWith('huge-8000.png'))!;
    expect(huge.bytes.length).toBeLessThan(64 * 1024);
    expect(sniffImage(huge.bytes)).toEqual({ ok: true, format: 'png', width: 8000, height: 8000 });
    expect(sniffImage(declaredHugePng(100_000, 100_000))).toEqual({
      ok: true,
      format: 'png',
      width: 100_000,
      height: 100_000,
    });
    expect(sniffImage(rgbJpeg(24))).toEqual({ ok: true, format: 'jpeg', width: 24, height: 24 });
    const p16 = writePng({ width: 5, height: 3, colourType: 6, bitDepth: 16, sample: () => 65535 });
    expect(sniffImage(p16)).toMatchObject({ ok: true, width: 5, height: 3 });
  });

  it('names an invalid PNG header, a PNG without IEND, and a JPEG without a frame header', () => {
    const bad = Buffer.from(rgbPng(8));
    bad[25] = 5; // colour type 5 does not exist (the header values are checked before the CRCs)
    const crcOk = writePng({ width: 8, height: 8, colourType: 2, bitDepth: 8, sample: () => 0 });
    expect(sniffImage(bad)).toEqual({
      ok: false,
      reason: 'the PNG header is invalid (8x8, colour type 5, bit depth 8)',
    });
    const noEnd = crcOk.subarray(0, crcOk.length - 12);
    expect(sniffImage(noEnd)).toEqual({
      ok: false,
      reason: 'the PNG is truncated: the file ends before its end marker (IEND)',
    });
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 2, 0xff, 0xd9]))).toEqual({
      ok: false,
      reason: 'the JPEG is damaged: it has no frame header (SOF) with its size',
    });
  });

  it('a JPEG named .png is a fine JPEG (content wins, as in browsers and PIL)', () => {
    expect(sniffImage(rgbJpeg(8))).toMatchObject({ ok: true, format: 'jpeg' });
  });
});

describe('layout of the corpus and other folder shapes', () => {
  it('indexes the corpus: every image-looking file is listed, structure problems are named', () => {
    const ix = detectLayout(corpus.map((f) => f.path));
    expect(ix.layout).toBe('mvtec');
    expect(ix.root).toBe(CORPUS_ROOT);
    // Decoding later drops the 9 unreadable training files and one test image.
    expect(ix.counts.train).toBe(21);
    expect(ix.counts.test).toEqual({ good: 1, crack: 5 });
    for (const f of corpus) {
      if (
        !f.expect.code ||
        !['orphan-mask', 'mask-missing', 'unsupported-image', 'not-an-image'].includes(f.expect.code)
      )
        continue;
      const p = ix.problems.find((q) => q.path === f.path);
      expect(p, f.path).toBeDefined();
      expect(p!.code).toBe(f.expect.code);
      expect(p!.message).toMatch(f.expect.message!);
      if (f.expect.consequence) expect(p!.consequence).toMatch(f.expect.consequence);
    }
    expect(ix.train.some((t) => t.path.endsWith(NON_ASCII_NAME))).toBe(true);
    expect(ix.train.some((t) => t.path.endsWith(LONG_NAME))).toBe(true);
    expect(LONG_NAME).toHaveLength(200);
  });

  it('an empty drop, and a folder holding only empty folders', () => {
    const none = detectLayout([]);
    expect(codes(none)).toEqual(['empty']);
    expect(none.problems[0]).toMatchObject({ severity: 'error', message: 'the folder holds no image' });
    const dirs = detectLayout(['drop/', 'drop/train/', 'drop/train/good/']);
    expect(dirs.layout).toBe('empty');
    expect(codes(dirs)).toContain('empty');
  });

  it('a folder without train/good: nothing trains, the reason names the expected folder', () => {
    const ix = detectLayout([
      'cat/test/good/0.png',
      'cat/test/crack/0.png',
      'cat/ground_truth/crack/0_mask.png',
    ]);
    const p = ix.problems.find((q) => q.code === 'no-train');
    expect(p).toMatchObject({
      severity: 'error',
      message: 'no normal training image (expected cat/train/good/)',
      consequence: 'training is impossible',
    });
    expect(ix.counts.testTotal).toBe(2);
    const wrongClass = detectLayout(['cat/train/defective/0.png', 'cat/test/good/0.png']);
    expect(codes(wrongClass)).toEqual(expect.arrayContaining(['unexpected-train-class', 'no-train']));
  });

  it('mixed layouts: an MVTec category beside stray images, and MVTec + BTAD in one drop', () => {
    const stray = detectLayout([
      'drop/cat/train/good/0.png',
      'drop/cat/test/good/0.png',
      'drop/cat/extra.png',
      'drop/cat/loose/1.jpg',
    ]);
    expect(stray.layout).toBe('mvtec');
    expect(stray.counts.train).toBe(1);
    expect(stray.problems.filter((p) => p.code === 'misplaced-file').map((p) => p.path)).toEqual([
      'drop/cat/extra.png',
      'drop/cat/loose/1.jpg',
    ]);
    const two = detectLayout([
      'd/bottle/train/good/0.png',
      'd/bottle/test/good/0.png',
      'd/01/train/ok/0.bmp',
      'd/01/test/ko/0.bmp',
      'd/01/ground_truth/ko/0.png',
    ]);
    expect(two.categories).toEqual(['d/01', 'd/bottle']);
    expect(codes(two)).toContain('multiple-categories');
    expect(two.problems.find((p) => p.code === 'multiple-categories')?.consequence).toMatch(
      /^using d\/01; pick another category/,
    );
    expect(two.layout).toBe('btad');
  });

  it('non-ASCII, long and odd names pair images with masks like any other', () => {
    const stem = `${'é'.repeat(100)}-画像`;
    const ix = detectLayout([
      'c/train/good/a b.png',
      `c/test/défaut/${stem}.png`,
      `c/ground_truth/défaut/${stem}_mask.png`,
      `c/test/défaut/${LONG_NAME}`,
    ]);
    expect(ix.test.find((t) => t.path.includes(stem))?.maskPath).toBe(
      `c/ground_truth/défaut/${stem}_mask.png`,
    );
    expect(ix.problems.find((p) => p.code === 'mask-missing')?.path).toBe(`c/test/défaut/${LONG_NAME}`);
  });

  it('thousands of files: 6000 paths index, each test image with its mask, in natural order', () => {
    const paths: string[] = [];
    for (let i = 0; i < 3000; i++) paths.push(`big/train/good/${i}.png`);
    for (let i = 0; i < 1500; i++) {
      paths.push(`big/test/scratch/${i}.png`, `big/ground_truth/scratch/${i}_mask.png`);
    }
    const t0 = performance.now();
    const ix = detectLayout(paths);
    // How long it takes depends on the machine's load: printed, not asserted.
    console.log(
      `[bad-input.test] ${paths.length} paths indexed in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(ix.counts).toMatchObject({ train: 3000, testTotal: 1500, masks: 1500 });
    expect(ix.train[10].path).toBe('big/train/good/10.png'); // natural order
    expect(ix.test[10].maskPath).toBe('big/ground_truth/scratch/10_mask.png');
  });
});
