import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { PthError, readPth } from '../../src/core/io/pth';

// Fixtures and expected.json come from scripts/make-pth-fixtures.py (torch.save itself).
const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/pth');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(resolve(DIR, name)));

interface Expected {
  dtype: string;
  shape: number[];
  values: number[];
}
const EXPECTED = JSON.parse(readFileSync(resolve(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, Expected>
>;

const OUR_DTYPE: Record<string, string> = { BOOL: 'U8' };

function checkAgainstExpected(file: string): void {
  const got = readPth(fixture(file));
  const want = EXPECTED[file];
  expect([...got.keys()]).toEqual(Object.keys(want));
  for (const [name, w] of Object.entries(want)) {
    const g = got.get(name)!;
    expect(g.dtype, name).toBe(OUR_DTYPE[w.dtype] ?? w.dtype);
    expect(g.shape, name).toEqual(w.shape);
    // Float32 round trip of the python values: exact for every dtype stored here.
    expect(Array.from(g.data), name).toEqual(
      w.values.map((v) => (g.data instanceof Float32Array ? Math.fround(v) : v)),
    );
  }
}

describe('readPth (safe torch checkpoint reader)', () => {
  it('reads a float32 module state_dict (with int64 num_batches_tracked and _metadata)', () => {
    checkAgainstExpected('f32_state_dict.pth');
    const sd = readPth(fixture('f32_state_dict.pth'));
    expect(sd.get('0.weight')!.shape).toEqual([4, 3, 3, 3]);
    expect(sd.get('1.num_batches_tracked')!.shape).toEqual([]);
    expect(sd.get('1.num_batches_tracked')!.data).toBeInstanceOf(Int32Array);
  });

  it('widens float16 to float32 exactly', () => {
    checkAgainstExpected('f16_state_dict.pth');
    expect(readPth(fixture('f16_state_dict.pth')).get('w')!.data).toBeInstanceOf(Float32Array);
  });

  it('materialises transposed and offset views of one shared storage', () => {
    checkAgainstExpected('noncontiguous.pth');
    const sd = readPth(fixture('noncontiguous.pth'));
    expect(sd.get('t')!.shape).toEqual([6, 4]);
    // base = arange(24).reshape(4,6)/8 ; t = base.T ; slice = base[1:, 2:5] ; col = base[:, 3]
    expect(Array.from(sd.get('t')!.data.slice(0, 4))).toEqual([0, 6, 12, 18].map((v) => v / 8));
    expect(Array.from(sd.get('col')!.data)).toEqual([3, 9, 15, 21].map((v) => v / 8));
  });

  it('flattens nested dicts with dotted names and skips non-tensor leaves', () => {
    checkAgainstExpected('nested.pth');
    const keys = [...readPth(fixture('nested.pth')).keys()];
    expect(keys).toContain('bn.inner.bn1.running_var');
    expect(keys).not.toContain('epoch');
  });

  it('reads int64, int32, float64, bfloat16, uint8, bool and 0-d tensors', () => {
    checkAgainstExpected('dtypes.pth');
  });

  it('reads the legacy (pre-1.6) format of older torchvision weights', () => {
    checkAgainstExpected('legacy.pth');
  });

  it('reads an archive whose entries are deflated (torch writes them stored)', () => {
    const entries = unzipSync(fixture('f32_state_dict.pth'));
    const deflated = zipSync(entries, { level: 6 });
    expect(deflated.byteLength).toBeLessThan(fixture('f32_state_dict.pth').byteLength);
    const a = readPth(deflated);
    const b = readPth(fixture('f32_state_dict.pth'));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(Array.from(v.data), k).toEqual(Array.from(b.get(k)!.data));
  });

  it('refuses an archive entry that declares an absurd uncompressed size before inflating it', () => {
    const deflated = zipSync(unzipSync(fixture('f32_state_dict.pth')), { level: 6 });
    expect(() => readPth(deflated, { maxBytes: 100 })).toThrow(/declares \d+ bytes: refused as absurd/);
  });

  it('refuses a pickle that calls os.system, without running anything', () => {
    expect(() => readPth(fixture('malicious.pth'))).toThrow(PthError);
    expect(() => readPth(fixture('malicious.pth'))).toThrow('checkpoint tries to call os.system: refused');
  });

  it('refuses a storage smaller than it declares', () => {
    expect(() => readPth(fixture('short_storage.pth'))).toThrow(/declares 4 elements but the file holds 2/);
  });

  it('rejects truncated files and garbage with a PthError', () => {
    const good = fixture('f32_state_dict.pth');
    for (const cut of [10, 200, good.byteLength - 30, good.byteLength - 1]) {
      expect(() => readPth(good.subarray(0, cut)), `cut at ${cut}`).toThrow(PthError);
    }
    const legacy = fixture('legacy.pth');
    for (const cut of [3, 60, legacy.byteLength - 5]) {
      expect(() => readPth(legacy.subarray(0, cut)), `legacy cut at ${cut}`).toThrow(PthError);
    }
    let seed = 12345;
    const garbage = new Uint8Array(4096).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    expect(() => readPth(garbage)).toThrow(PthError);
    garbage.set([0x50, 0x4b, 0x03, 0x04]);
    expect(() => readPth(garbage)).toThrow(PthError);
    expect(() => readPth(new Uint8Array(0))).toThrow(PthError);
  });

  it('refuses opcodes and globals outside the allow-list in a hand-built pickle', () => {
    // A legacy-format header followed by a pickle using GLOBAL builtins.eval.
    const legacy = fixture('legacy.pth');
    const headerEnd = Buffer.from(legacy).indexOf('\x80\x02ccollections', 0, 'latin1'); // start of the main pickle
    expect(headerEnd).toBeGreaterThan(0);
    const withMain = (pickle: string): Uint8Array => {
      const evil = Buffer.from(pickle, 'latin1');
      const file = new Uint8Array(headerEnd + evil.byteLength);
      file.set(legacy.subarray(0, headerEnd));
      file.set(evil, headerEnd);
      return file;
    };
    expect(() => readPth(withMain('\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.'))).toThrow(
      'checkpoint tries to call builtins.eval: refused',
    );
    // STACK_GLOBAL spelling of the same call.
    expect(() => readPth(withMain('\x80\x04\x8c\x02os\x8c\x06system\x93.'))).toThrow(
      'checkpoint tries to call os.system: refused',
    );
    // INST (0x69) and NEWOBJ (0x81) build arbitrary objects: not understood, so refused.
    expect(() => readPth(withMain('\x80\x02(ios\nsystem\n.'))).toThrow(/opcode 0x69.*refused/);
    expect(() => readPth(withMain('\x80\x02)\x81.'))).toThrow(/opcode 0x81.*refused/);
  });
});
