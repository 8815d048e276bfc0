import { describe, expect, it } from 'vitest';
import { readPth } from '../../src/core/io/pth';
import { writePth, type StateDicts, type TorchTensor } from '../../src/core/io/pth-writer';
import { crc32 } from '../../src/core/io/crc32';
import { concatParts } from '../../src/core/io/zip-writer';

const f32 = (shape: number[], seed: number): TorchTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  // Values with every kind of bit pattern: negative zero, subnormals, large and tiny magnitudes.
  const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 10 ** ((i % 9) - 4));
  if (n > 2) {
    data[0] = -0;
    data[1] = 1.4e-45;
  }
  return { dtype: 'F32', shape, data };
};

/** Local-header offsets and data starts of a stored zip, read from the bytes themselves. */
function entries(zip: Uint8Array): { name: string; dataStart: number; size: number; crc: number }[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out = [];
  let at = 0;
  while (v.getUint32(at, true) === 0x04034b50) {
    const size = v.getUint32(at + 18, true);
    const nameLen = v.getUint16(at + 26, true);
    const extraLen = v.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 30, at + 30 + nameLen));
    const dataStart = at + 30 + nameLen + extraLen;
    out.push({ name, dataStart, size, crc: v.getUint32(at + 14, true) });
    at = dataStart + size;
  }
  return out;
}

describe('writePth (torch.save zip layout)', () => {
  const dicts: StateDicts = new Map([
    [
      'msff',
      new Map([
        ['blk1.conv1.weight', f32([8, 8, 3, 3], 1)],
        ['blk1.conv1.bias', f32([8], 2)],
      ]),
    ],
    [
      'bn',
      new Map<string, TorchTensor>([
        ['bn_layer.0.bn1.running_var', f32([16], 3)],
        ['bn_layer.0.bn1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(1234n) }],
        ['big', f32([70000], 4)],
      ]),
    ],
  ]);

  it('reads back through readPth with the same names, shapes and bits', async () => {
    const back = readPth(concatParts(await writePth(dicts)));
    const want = [...dicts].flatMap(([g, d]) => [...d].map(([k, t]) => [`${g}.${k}`, t] as const));
    expect([...back.keys()]).toEqual(want.map(([k]) => k));
    for (const [name, t] of want) {
      const got = back.get(name)!;
      expect(got.shape, name).toEqual(t.shape);
      if (t.dtype === 'F32') {
        expect(got.dtype).toBe('F32');
        const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
        expect(bits(got.data as Float32Array), name).toEqual(bits(t.data));
      } else {
        expect(got.dtype).toBe('I64');
        expect(Array.from(got.data)).toEqual(Array.from(t.data, Number));
      }
    }
  });

  it('lays records out as torch does: data.pkl first, 64-byte aligned storages, CRCs, version last', async () => {
    const zip = concatParts(await writePth(dicts));
    const list = entries(zip);
    expect(list.map((e) => e.name)).toEqual([
      'archive/data.pkl',
      'archive/byteorder',
      ...[0, 1, 2, 3, 4].map((k) => `archive/data/${k}`),
      'archive/version',
    ]);
    for (const e of list) {
      expect(e.dataStart % 64, e.name).toBe(0);
      expect(crc32(zip.subarray(e.dataStart, e.dataStart + e.size)), e.name).toBe(e.crc);
    }
    const text = (name: string) => {
      const e = list.find((x) => x.name === name)!;
      return new TextDecoder().decode(zip.subarray(e.dataStart, e.dataStart + e.size));
    };
    expect(text('archive/version')).toBe('3\n');
    expect(text('archive/byteorder')).toBe('little');
    // End of central directory: as many entries as local headers, no comment.
    const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    expect(v.getUint32(zip.length - 22, true)).toBe(0x06054b50);
    expect(v.getUint16(zip.length - 22 + 10, true)).toBe(list.length);
  });

  it('splits a state dict of more than 1000 entries into SETITEMS batches, as Python does', async () => {
    const many = new Map<string, TorchTensor>();
    for (let i = 0; i < 2500; i++) many.set(`p${i}`, f32([2], i));
    const back = readPth(concatParts(await writePth(new Map([['student', many]]))));
    expect(back.size).toBe(2500);
    expect(back.get('student.p2499')!.data).toEqual(many.get('p2499')!.data);
  });

  it('reports progress per storage and stops when the callback throws', async () => {
    const seen: number[] = [];
    await writePth(dicts, { onProgress: (done) => void seen.push(done) });
    expect(seen).toHaveLength(5);
    expect(seen.at(-1)).toBe(4 * (8 * 8 * 9 + 8 + 16 + 70000) + 8);
    await expect(
      writePth(dicts, {
        onProgress: () => {
          throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
  });

  it('refuses a tensor whose data does not fill its shape', async () => {
    const bad: StateDicts = new Map([['bn', new Map([['w', { ...f32([4], 0), shape: [5] }]])]]);
    await expect(writePth(bad)).rejects.toThrow(/bn\b|w: shape \[5\]/);
  });
});
