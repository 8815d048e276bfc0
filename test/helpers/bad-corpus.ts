/**
 * The bad-input corpus of docs/reliability.md, generated in code at test time (nothing binary is
 * committed): a small MVTec-style category `bad/` whose files cover every way an image file can go
 * wrong, each with what the loader must say about it. Shared by the unit tests (sniffing, layout)
 * and the e2e test (real decoding in Chromium through the Dataset panel).
 */
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import type { ProblemCode } from '../../src/core/data/layout';
import { crc32 } from '../../src/core/data/sniff';

// ---------------------------------------------------------------- PNG writer (every colour type)

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colourType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Sample value (at the bit depth) of channel `c` of pixel (x, y). */
  sample(x: number, y: number, c: number): number;
  /** RGB triples, for colour type 3. */
  palette?: [number, number, number][];
}

const CHANNELS: Record<PngSpec['colourType'], number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A valid PNG, written chunk by chunk (IHDR, PLTE, IDAT, IEND), filter type 0 on every row. */
export function writePng(spec: PngSpec): Buffer {
  const { width, height, colourType, bitDepth } = spec;
  const ch = CHANNELS[colourType];
  const rowBytes = Math.ceil((width * ch * bitDepth) / 8);
  const raw = Buffer.alloc(height * (1 + rowBytes));
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (1 + rowBytes) + 1, (y + 1) * (1 + rowBytes));
    let bit = 0;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < ch; c++) {
        const v = spec.sample(x, y, c);
        if (bitDepth === 16) row.writeUInt16BE(v, (x * ch + c) * 2);
        else if (bitDepth === 8) row[x * ch + c] = v;
        else {
          row[bit >> 3] |= v << (8 - bitDepth - (bit & 7));
          bit += bitDepth;
        }
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colourType, 0, 0, 0], 8);
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  parts.push(chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** A smooth 8-bit RGB test picture (distinct per `seed`), `size`x`size`. */
export function rgbPng(size: number, seed = 0): Buffer {
  return writePng({
    width: size,
    height: size,
    colourType: 2,
    bitDepth: 8,
    sample: (x, y, c) => (x * 7 + y * 3 + c * 60 + seed * 37) & 0xff,
  });
}

/** A white-on-black mask with a square defect. */
export function maskPng(size: number): Buffer {
  const q = size >> 2;
  return writePng({
    width: size,
    height: size,
    colourType: 0,
    bitDepth: 8,
    sample: (x, y) => (x >= q && x < 3 * q && y >= q && y < 3 * q ? 255 : 0),
  });
}

export function rgbJpeg(size: number): Buffer {
  const data = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) data.set([(i * 5) & 0xff, (i >> 2) & 0xff, 128, 255], i * 4);
  return Buffer.from(jpeg.encode({ data, width: size, height: size }, 90).data);
}

/** A PNG whose IHDR declares `width`x`height` but which holds one tiny row of data: a decompression bomb by its header. */
export function declaredHugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A PNG with every CRC right but an IDAT stream that is not zlib data. */
export function garbageIdatPng(size: number): Buffer {
  const good = rgbPng(size);
  const ihdrEnd = 8 + 12 + 13;
  const junk = Buffer.alloc(200, 0xa5);
  return Buffer.concat([good.subarray(0, ihdrEnd), chunk('IDAT', junk), chunk('IEND', new Uint8Array(0))]);
}

/** Flips one byte in the middle of the first IDAT chunk's data (its CRC no longer matches). */
export function flipIdatByte(png: Buffer): Buffer {
  const out = Buffer.from(png);
  const at = out.indexOf('IDAT', 8, 'latin1');
  const len = out.readUInt32BE(at - 4);
  out[at + 4 + (len >> 1)] ^= 0xff;
  return out;
}

// ---------------------------------------------------------------- the corpus

export interface CorpusExpectation {
  /** Loaded as a usable image (train or test), possibly with an info note. */
  loads: boolean;
  /** The problem reported for this path, if any. */
  code?: ProblemCode;
  /** Pattern of the problem's message (it also names the file). */
  message?: RegExp;
  /** Pattern of what happens next. */
  consequence?: RegExp;
}

export interface CorpusFile {
  path: string;
  bytes: Buffer;
  /** What the corpus case is, for docs/reliability.md. */
  what: string;
  expect: CorpusExpectation;
}

const S = 32;
export const CORPUS_ROOT = 'bad';
export const NON_ASCII_NAME = 'ünïcödé-画像-😀.png';
export const LONG_NAME = `${'long-name-'.repeat(19)}end-of.png`; // 200 characters

/** Counts once the corpus is loaded (the decoding cases included). */
export const CORPUS_COUNTS = { train: 12, testTotal: 5, masks: 2, test: { good: 1, crack: 4 } };

/** The `bad/` category. Every file's expectation is checked by the e2e test, the sniffable ones by unit tests. */
export function imageCorpus(): CorpusFile[] {
  const good = rgbPng(S, 1);
  const jpg = rgbJpeg(S);
  const skipTrain = /^It was skipped; the other 12 training images loaded\.$/;
  const t = (name: string) => `${CORPUS_ROOT}/train/good/${name}`;
  const files: CorpusFile[] = [
    { path: t('000.png'), bytes: rgbPng(S, 0), what: '8-bit RGB PNG', expect: { loads: true } },
    { path: t('001.png'), bytes: good, what: '8-bit RGB PNG', expect: { loads: true } },
    { path: t('002.jpg'), bytes: jpg, what: 'baseline JPEG', expect: { loads: true } },
    {
      path: t('grey.png'),
      bytes: writePng({
        width: S,
        height: S,
        colourType: 0,
        bitDepth: 8,
        sample: (x, y) => (x * 8 + y) & 0xff,
      }),
      what: '8-bit greyscale PNG',
      expect: { loads: true },
    },
    {
      path: t('grey16.png'),
      bytes: writePng({ width: S, height: S, colourType: 0, bitDepth: 16, sample: (x, y) => x * 2000 + y }),
      what: '16-bit greyscale PNG',
      expect: { loads: true },
    },
    {
      path: t('rgb16.png'),
      bytes: writePng({
        width: S,
        height: S,
        colourType: 2,
        bitDepth: 16,
        sample: (x, y, c) => (x * 2000 + y * 7 + c * 9000) & 0xffff,
      }),
      what: '16-bit RGB PNG',
      expect: { loads: true },
    },
    {
      path: t('palette.png'),
      bytes: writePng({
        width: S,
        height: S,
        colourType: 3,
        bitDepth: 4,
        palette: Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 16, (i * 40) & 0xff]),
        sample: (x, y) => (x + y) & 15,
      }),
      what: 'palette PNG (4-bit indices)',
      expect: { loads: true },
    },
    {
      path: t('rgba.png'),
      bytes: writePng({
        width: S,
        height: S,
        colourType: 6,
        bitDepth: 8,
        sample: (x, y, c) => (c === 3 ? (x < S / 2 ? 255 : 128) : (x * 8 + y + c * 50) & 0xff),
      }),
      what: 'RGBA PNG (half the image semi-transparent)',
      expect: { loads: true },
    },
    {
      path: t('huge-8000.png'),
      bytes: writePng({ width: 8000, height: 8000, colourType: 0, bitDepth: 1, sample: () => 1 }),
      what: '8000x8000 PNG (64 MP, 1-bit, ~8 kB on disk)',
      expect: {
        loads: true,
        code: 'large-image',
        message:
          /^bad\/train\/good\/huge-8000\.png is 8000x8000 pixels \(64 MP\).*decoded it at a reduced size first/,
        consequence: /^It is loaded, resized to 64x64/,
      },
    },
    { path: t(NON_ASCII_NAME), bytes: good, what: 'non-ASCII file name', expect: { loads: true } },
    { path: t(LONG_NAME), bytes: good, what: '200-character file name', expect: { loads: true } },
    { path: t('same-as-001 copy.png'), bytes: good, what: 'file name with a space', expect: { loads: true } },
    {
      path: t('empty.png'),
      bytes: Buffer.alloc(0),
      what: 'zero-byte file',
      expect: {
        loads: false,
        code: 'decode-failed',
        message: /^Cannot read bad\/train\/good\/empty\.png: the file is empty \(0 bytes\)\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('truncated.png'),
      bytes: good.subarray(0, good.length >> 1),
      what: 'PNG cut in half',
      expect: {
        loads: false,
        code: 'decode-failed',
        message: /^Cannot read bad\/train\/good\/truncated\.png: the PNG is truncated: .*\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('crc.png'),
      bytes: flipIdatByte(good),
      what: 'PNG with one flipped byte (CRC mismatch)',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/crc\.png: the PNG is damaged: its IDAT chunk at byte \d+ fails its checksum \(CRC\)\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('bad-zlib.png'),
      bytes: garbageIdatPng(S),
      what: 'PNG with valid structure and CRCs but garbage compressed data',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/bad-zlib\.png: the browser cannot decode this PNG file: its image data is corrupt\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('truncated.jpg'),
      bytes: jpg.subarray(0, Math.floor(jpg.length * 0.6)),
      what: 'JPEG cut at 60 %',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/truncated\.jpg: the JPEG is truncated: .*end-of-image marker.*\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('corrupt.jpg'),
      bytes: Buffer.concat([jpg.subarray(0, 20), Buffer.alloc(300, 0x37)]),
      what: 'JPEG whose headers turn into garbage after 20 bytes',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/corrupt\.jpg: the JPEG is damaged: no segment marker at byte 20 \(found 0x37\)\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('notes.png'),
      bytes: Buffer.from('These are my notes about the dataset.\nNot an image at all.\n'),
      what: 'text file named .png',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/notes\.png: it holds text, not an image \(it begins "These are my notes about the dataset\. No…"\)\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: t('random.png'),
      bytes: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 73 + 200) & 0xff)),
      what: 'random bytes named .png',
      expect: {
        loads: false,
        code: 'decode-failed',
        message:
          /^Cannot read bad\/train\/good\/random\.png: its content is not a PNG, JPEG, BMP, GIF or WebP image \(it begins with bytes c8 11 5a/,
        consequence: skipTrain,
      },
    },
    {
      path: t('bomb.png'),
      bytes: declaredHugePng(100_000, 100_000),
      what: 'PNG whose header declares 100000x100000 (10 GP) in a 100-byte file',
      expect: {
        loads: false,
        code: 'image-too-large',
        message:
          /^Cannot read bad\/train\/good\/bomb\.png: it declares 100000x100000 pixels \(10000 MP\), more than the 100 MP this loader accepts, so it was not decoded\.$/,
        consequence: skipTrain,
      },
    },
    {
      path: `${CORPUS_ROOT}/test/good/000.png`,
      bytes: rgbPng(S, 5),
      what: 'normal test image',
      expect: { loads: true },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/000.png`,
      bytes: rgbPng(S, 6),
      what: 'defect image',
      expect: { loads: true },
    },
    {
      path: `${CORPUS_ROOT}/ground_truth/crack/000_mask.png`,
      bytes: maskPng(S),
      what: 'its mask',
      expect: { loads: true },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/001.png`,
      bytes: rgbPng(S, 7),
      what: 'defect image',
      expect: { loads: true },
    },
    {
      path: `${CORPUS_ROOT}/ground_truth/crack/001_mask.png`,
      bytes: maskPng(16),
      what: 'mask of the wrong size (16x16 for a 32x32 image)',
      expect: {
        loads: true,
        code: 'mask-size-mismatch',
        message:
          /^The mask bad\/ground_truth\/crack\/001_mask\.png is 16x16 but its image bad\/test\/crack\/001\.png is 32x32\.$/,
        consequence: /^Both are resized to 64x64; check that the mask belongs to this image\.$/,
      },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/002.png`,
      bytes: rgbPng(S, 8),
      what: 'defect image without mask',
      expect: {
        loads: true,
        code: 'mask-missing',
        message:
          /^no mask for defect image bad\/test\/crack\/002\.png \(looked for ground_truth\/crack\/002_mask\.\* and 002\.\*\)$/,
        consequence: /left out of pixel-level metrics/,
      },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/003.png`,
      bytes: rgbPng(S, 9),
      what: 'defect image',
      expect: { loads: true },
    },
    {
      path: `${CORPUS_ROOT}/ground_truth/crack/003_mask.png`,
      bytes: maskPng(S).subarray(0, 40),
      what: 'truncated mask',
      expect: {
        loads: false,
        code: 'decode-failed',
        message: /^Cannot read bad\/ground_truth\/crack\/003_mask\.png: the PNG is truncated/,
        consequence:
          /^bad\/test\/crack\/003\.png stays in the test set for image-level scores, without pixel-level ground truth\.$/,
      },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/004.png`,
      bytes: rgbPng(S, 10).subarray(0, 60),
      what: 'truncated test image',
      expect: {
        loads: false,
        code: 'decode-failed',
        message: /^Cannot read bad\/test\/crack\/004\.png: the PNG is truncated/,
        consequence: /^It was left out of the test set; the other 5 test images loaded\.$/,
      },
    },
    {
      path: `${CORPUS_ROOT}/ground_truth/crack/009_mask.png`,
      bytes: maskPng(S),
      what: 'mask without image',
      expect: {
        loads: false,
        code: 'orphan-mask',
        message: /^mask bad\/ground_truth\/crack\/009_mask\.png has no test image/,
        consequence: /ignored/,
      },
    },
    {
      path: `${CORPUS_ROOT}/test/crack/005.tiff`,
      bytes: Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]),
      what: 'TIFF image',
      expect: {
        loads: false,
        code: 'unsupported-image',
        message: /TIFF image, which browsers cannot decode/,
      },
    },
    {
      path: `${CORPUS_ROOT}/readme.txt`,
      bytes: Buffer.from('a readme'),
      what: 'non-image file',
      expect: { loads: false, code: 'not-an-image', message: /^bad\/readme\.txt is not an image/ },
    },
  ];
  return files;
}

/** `n` tiny valid PNGs in `many/train/good/` plus a few tests: the "thousands of files" case. */
export function manyFiles(n: number): CorpusFile[] {
  const png = rgbPng(4, 3);
  const out: CorpusFile[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      path: `many/train/good/${String(i).padStart(5, '0')}.png`,
      bytes: png,
      what: 'tiny PNG',
      expect: { loads: true },
    });
  out.push({ path: 'many/test/good/0.png', bytes: png, what: 'tiny PNG', expect: { loads: true } });
  return out;
}
