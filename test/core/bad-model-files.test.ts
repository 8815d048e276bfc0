import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../../src/core/backbones';
import { readerIOHandler, type ReadFile } from '../../src/core/backbones/io-handler';
import { validateConfig } from '../../src/core/config';
import { MAX_MODEL_FILE_BYTES, checkModelFileSize, readModelFile } from '../../src/core/io/model-file';
import { readPth } from '../../src/core/io/pth';
import { SafetensorsError, readSafetensors, writeSafetensors } from '../../src/core/io/safetensors';
import { createNetwork } from '../../src/core/model/dmgrd';
import { decodeSession, type SessionMeta } from '../../src/core/pipeline/checkpoint';
import { restoreSession } from '../../src/core/pipeline/model-session';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import { Session } from '../../src/core/pipeline/session';
import {
  CheckpointError,
  encodeCheckpoint,
  loadStoreFromArrays,
  storeToArrays,
} from '../../src/core/train/checkpoint';
import { useBackend } from '../helpers/backends';

// Model files of docs/reliability.md: every bad weight file is refused with a message naming the
// file and the fault, before anything large is allocated, and nothing in it is ever executed. The
// messages on absurd sizes come from the checks on declared sizes, which run before any allocation
// or inflation: one made after it would end in a RangeError or an exhausted heap instead.

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/pth');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(resolve(FIXTURES, name)));

// ---------------------------------------------------------------- a tiny pickle writer

const enc = new TextEncoder();
class Pickle {
  private parts: number[] = [0x80, 0x02];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  str(s: string): this {
    const b = enc.encode(s);
    return this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b); // BINUNICODE
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...enc.encode(`${module}\n${name}\n`)); // GLOBAL
  }
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).op(0x93); // STACK_GLOBAL
  }
  int(v: number): this {
    if (v >= 0 && v < 2 ** 31) return this.op(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
    const bytes: number[] = [];
    let b = BigInt(v);
    for (let i = 0; i < 8; i++, b >>= 8n) bytes.push(Number(b & 0xffn));
    return this.op(0x8a, 8, ...bytes); // LONG1
  }
  tuple(items: ((p: this) => void)[]): this {
    this.op(0x28); // MARK
    for (const it of items) it(this);
    return this.op(0x74); // TUPLE
  }
  bytes(): Uint8Array {
    return new Uint8Array([...this.parts, 0x2e]); // STOP
  }
}

/** A torch zip archive holding `pickle` as archive/data.pkl and the given storages. */
function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': pickle };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  return zipSync(files, { level: 0 });
}

/** `{'w': _rebuild_tensor_v2(storage(numel), offset, size, stride, False, OrderedDict())}` */
function tensorPickle(numel: number, size: number[], stride: number[], offset = 0): Uint8Array {
  const p = new Pickle().op(0x7d).str('w').global('torch._utils', '_rebuild_tensor_v2');
  p.tuple([
    (q) =>
      q
        .tuple([
          (r) => r.str('storage'),
          (r) => r.global('torch', 'FloatStorage'),
          (r) => r.str('0'),
          (r) => r.str('cpu'),
          (r) => r.int(numel),
        ])
        .op(0x51), // BINPERSID
    (q) => q.int(offset),
    (q) => q.tuple(size.map((d) => (r: Pickle) => r.int(d))),
    (q) => q.tuple(stride.map((d) => (r: Pickle) => r.int(d))),
    (q) => q.op(0x89), // False
    (q) => q.global('collections', 'OrderedDict').op(0x29, 0x52), // OrderedDict()
  ]);
  return p.op(0x52, 0x73).bytes(); // REDUCE, SETITEM
}

describe('.pth files', () => {
  it('reads a hand-built tensor pickle (the writer below is right)', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const sd = readPth(torchZip(tensorPickle(4, [2, 2], [2, 1]), { '0': data }));
    expect(Array.from(sd.get('w')!.data)).toEqual([1, 2, 3, 4]);
  });

  it('garbage and empty files: named, with their first bytes', () => {
    const garbage = Uint8Array.from({ length: 256 }, (_, i) => (i * 91 + 7) & 0xff);
    expect(() => readModelFile('best_model.pth', garbage)).toThrow(
      /^best_model\.pth: not a PyTorch checkpoint \(\.pth\/\.pt zip or legacy\) nor a safetensors file \(it begins with bytes 07 62 bd 18/,
    );
    expect(() => readModelFile('w.pth', new Uint8Array(0))).toThrow('w.pth: the file is empty (0 bytes).');
  });

  it('truncated zip and legacy checkpoints: named, never half-read', () => {
    const zip = fixture('f32_state_dict.pth');
    for (const cut of [100, zip.byteLength >> 1, zip.byteLength - 1])
      expect(() => readModelFile('model.pth', zip.subarray(0, cut)), `cut ${cut}`).toThrow(
        /^model\.pth: this PyTorch checkpoint cannot be read: .*(damaged or truncated|truncated|not a torch checkpoint)/,
      );
    const legacy = fixture('legacy.pth');
    expect(() => readModelFile('old.pth', legacy.subarray(0, legacy.byteLength - 5))).toThrow(
      /^old\.pth: this PyTorch checkpoint cannot be read: the checkpoint is truncated: storage data is missing\.$/,
    );
  });

  const calls: [string, string, 'GLOBAL' | 'STACK_GLOBAL'][] = [
    ['os', 'system', 'GLOBAL'],
    ['posix', 'system', 'GLOBAL'],
    ['builtins', 'eval', 'STACK_GLOBAL'],
    ['builtins', 'exec', 'GLOBAL'],
    ['subprocess', 'Popen', 'STACK_GLOBAL'],
    ['torch', 'load', 'GLOBAL'],
    ['collections', 'defaultdict', 'GLOBAL'],
  ];
  for (const [module, name, how] of calls) {
    it(`a pickle calling ${module}.${name} via ${how} + REDUCE is refused by name, never run`, () => {
      const p = new Pickle();
      if (how === 'GLOBAL') p.global(module, name);
      else p.stackGlobal(module, name);
      const pkl = p
        .tuple([(q) => q.str('echo pwned > /tmp/pwned')])
        .op(0x52)
        .bytes();
      expect(() => readModelFile('evil.pth', torchZip(pkl))).toThrow(
        `evil.pth: this PyTorch checkpoint cannot be read: checkpoint tries to call ${module}.${name}: refused.`,
      );
    });
  }

  it('absurd declared sizes are refused before allocating', () => {
    const four = new Uint8Array(16);
    // A storage that declares 10^12 elements over 16 bytes.
    expect(() => readPth(torchZip(tensorPickle(1e12, [4], [1]), { '0': four }))).toThrow(
      /its storage declares 1000000000000 elements but the file holds 4/,
    );
    // A 10^12-element view of a 4-element storage.
    expect(() => readPth(torchZip(tensorPickle(4, [1e6, 1e6], [1, 1]), { '0': four }))).toThrow(
      /1000000000000 elements is absurdly large/,
    );
    // A 10^8-element stride-0 view of one element: within JS limits, still refused (400 MB for 4 bytes).
    expect(() => readPth(torchZip(tensorPickle(1, [1e8], [0]), { '0': four }))).toThrow(
      /its shape declares 100000000 elements from a storage of 1: refused as absurd/,
    );
    // Shape and strides that reach past the storage.
    expect(() => readPth(torchZip(tensorPickle(4, [4, 4], [4, 1]), { '0': four }))).toThrow(
      /reach past the end of its storage/,
    );
  });

  it('a zip entry inflating far beyond its compressed size is refused as a zip bomb', () => {
    const big = new Uint8Array(8 * 1024 * 1024); // zeros: deflates ~1000:1
    const bomb = zipSync(
      { 'archive/data.pkl': tensorPickle(1, [1], [1]), 'archive/data/0': big },
      { level: 9 },
    );
    expect(bomb.byteLength).toBeLessThan(64 * 1024);
    expect(() => readPth(bomb)).toThrow(
      /declares 8388608 bytes from \d+ compressed bytes: refused as a zip bomb/,
    );
  });

  it('files beyond the size bound are refused unread', () => {
    expect(() => checkModelFileSize('huge.pth', MAX_MODEL_FILE_BYTES + 1)).toThrow(
      /^huge\.pth: the file is 2\.0 GiB, more than the 2\.0 GiB this importer reads; it was not opened\.$/,
    );
  });
});

describe('.safetensors files', () => {
  const tiny = writeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]));
  /** A file whose JSON header is `json`, padded, followed by `data` bytes. */
  const withHeader = (json: string, data = 16): Uint8Array => {
    const h = enc.encode(json);
    const out = new Uint8Array(8 + h.length + data);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    return out;
  };

  it('too short, an absurd header length, a header that is not JSON or not an object', () => {
    expect(() => readSafetensors(new Uint8Array(5))).toThrow(
      'File too short to be safetensors (under 8 bytes).',
    );
    const absurd = new Uint8Array(64);
    new DataView(absurd.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readSafetensors(absurd)).toThrow(
      /Declared header size 1099511627776 bytes does not fit the 64-byte file/,
    );
    expect(() => readSafetensors(withHeader('{"w": {'))).toThrow(/header is not valid JSON/);
    expect(() => readSafetensors(withHeader('null'))).toThrow(/header is not a JSON object/);
    expect(() => readSafetensors(withHeader('[1,2]'))).toThrow(/header is not a JSON object/);
  });

  it('a header declaring a 10^12-element tensor is refused before allocating', () => {
    const file = withHeader(
      '{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4000000000000]}}',
    );
    expect(() => readSafetensors(file)).toThrow(
      /Tensor w: declared F32\[1000000,1000000\] lies at bytes 0-4000000000000, past the end of the file's 16 data bytes/,
    );
    expect(() => readModelFile('teacher.safetensors', file)).toThrow(
      /^teacher\.safetensors: this safetensors file cannot be read: Tensor w: declared F32/,
    );
  });

  it('bad entries: dtype, shape, offsets that are not numbers, ranges that do not match', () => {
    const entry = (e: string) => () => readSafetensors(withHeader(`{"w":${e}}`));
    expect(entry('5')).toThrow('Tensor w: its header entry is not an object.');
    expect(entry('{"dtype":"toString","shape":[1],"data_offsets":[0,4]}')).toThrow(
      /unsupported dtype toString/,
    );
    expect(entry('{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}')).toThrow(/invalid shape \[-1\]/);
    expect(entry('{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}')).toThrow(/invalid shape/);
    expect(entry('{"dtype":"F32","shape":[1]}')).toThrow(/invalid data_offsets undefined/);
    expect(entry('{"dtype":"F32","shape":[1],"data_offsets":[8,4]}')).toThrow(/invalid data_offsets \[8,4\]/);
    expect(entry('{"dtype":"F32","shape":[3],"data_offsets":[0,4]}')).toThrow(
      /does not match its byte range/,
    );
  });

  it('a truncated file names the tensor that is cut', () => {
    expect(() => readSafetensors(tiny.subarray(0, tiny.byteLength - 4))).toThrow(
      /Tensor w: declared F32\[2,2\] lies at bytes 0-16, past the end of the file's 12 data bytes/,
    );
    expect(() => readSafetensors(tiny.subarray(0, 20))).toThrow(SafetensorsError);
  });
});

describe('playground checkpoints of the wrong kind, damaged, or of another model', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  const meta = (over: Partial<SessionMeta> = {}): SessionMeta => ({
    config: validateConfig({ teacher: 'mobilenet_v2', model: 'rd', imageSize: 64 }),
    step: 3,
    adamStep: 0,
    teacherChannels: [48, 96, 192],
    banks: null,
    extra: {},
    ...over,
  });
  const rdArrays = async () => {
    const net = createNetwork('rd', 'mobilenet_v2', [48, 96, 192], 0);
    const arrays = await storeToArrays(net.store);
    net.store.dispose();
    return arrays;
  };

  it('garbage, a foreign safetensors file, damaged metadata, a cut file', async () => {
    expect(() => decodeSession(new Uint8Array([1, 2, 3]))).toThrow(
      'This file is not a playground checkpoint (no readable safetensors header).',
    );
    const foreign = writeSafetensors(new Map([['conv.weight', { shape: [1], data: new Float32Array(1) }]]));
    expect(() => decodeSession(foreign)).toThrow(
      /not a playground checkpoint \(format "none", expected "dmgrd-playground\/1"\)/,
    );
    const good = encodeCheckpoint(meta(), await rdArrays());
    expect(decodeSession(good).meta.step).toBe(3);
    expect(() => decodeSession(good.subarray(0, good.byteLength - 100))).toThrow(
      /^The checkpoint is damaged: Tensor .* past the end of the file's \d+ data bytes/,
    );
    const bad = (m: unknown) => () =>
      decodeSession(writeSafetensors(new Map(), { format: 'dmgrd-playground/1', meta: m as string }));
    expect(bad('{"config":')).toThrow('The checkpoint metadata is not valid JSON: the file is damaged.');
    expect(bad(JSON.stringify({ ...meta(), teacherChannels: 'x' }))).toThrow(
      /no valid teacher channel counts/,
    );
    expect(bad(JSON.stringify({ ...meta(), step: -1 }))).toThrow(/no valid step count/);
    expect(bad(JSON.stringify({ ...meta(), banks: { normal: [0] } }))).toThrow(/memory banks wrongly/);
    expect(bad(JSON.stringify({ ...meta(), config: { imageSize: 7 } }))).toThrow(/configuration is invalid/);
  });

  it('an RD checkpoint relabelled as DM-GRD: weights of another architecture are listed', async () => {
    const arrays = await rdArrays();
    const dmgrd = createNetwork('dmgrd', 'mobilenet_v2', [48, 96, 192], 0);
    expect(() => loadStoreFromArrays(dmgrd.store, arrays)).toThrow(
      /^The checkpoint does not fit this model \(\d+ mismatches: missing msff\./,
    );
    dmgrd.store.dispose();
    const relabelled = decodeSession(
      encodeCheckpoint(meta({ config: validateConfig({ teacher: 'mobilenet_v2', model: 'dmgrd' }) }), arrays),
    );
    const teacher = { name: 'mobilenet_v2', channels: [48, 96, 192] } as unknown as Teacher;
    const data: DatasetImages = { size: 8, train: [], test: [], textures: [] };
    const before = tf.memory().numTensors;
    expect(() => Session.fromCheckpoint(teacher, data, relabelled)).toThrow(
      'The DM-GRD checkpoint has no memory banks.',
    );
    expect(tf.memory().numTensors).toBe(before); // the half-built network was freed
  });

  it('a checkpoint of another teacher: ResNet50 weights offered to a MobileNetV2 teacher', async () => {
    const data: DatasetImages = { size: 8, train: [], test: [], textures: [] };
    const mobilenet = { name: 'mobilenet_v2', channels: [48, 96, 192] } as unknown as Teacher;
    const other = decodeSession(
      encodeCheckpoint(
        meta({
          config: validateConfig({ teacher: 'resnet50', model: 'rd' }),
          teacherChannels: [256, 512, 1024],
        }),
        new Map(),
      ),
    );
    expect(() => restoreSession(mobilenet, data, other)).toThrow(
      'The checkpoint was made with the resnet50 teacher, not mobilenet_v2.',
    );
    const lying = decodeSession(encodeCheckpoint(meta({ teacherChannels: [256, 512, 1024] }), new Map()));
    expect(() => restoreSession(mobilenet, data, lying)).toThrow(
      "The checkpoint's teacher has channels 256/512/1024, this one 48/96/192.",
    );
  });

  it('a PatchCore memory described wrongly', () => {
    for (const patchcore of [
      null,
      'x',
      { trainImages: -1, coveringRadius: 1 },
      { trainImages: 3, coveringRadius: 'far' },
    ])
      expect(() =>
        decodeSession(encodeCheckpoint(meta({ patchcore } as unknown as Partial<SessionMeta>), new Map())),
      ).toThrow('The checkpoint metadata describes its PatchCore memory wrongly: the file is damaged.');
  });

  it('CheckpointError is what the UI shows', () => {
    expect(() => decodeSession(new Uint8Array(16))).toThrow(CheckpointError);
  });
});

describe('TF.js teacher folders (model.json + shards)', () => {
  const manifest = (shape: number[], dtype = 'float32', paths = ['group1-shard1of1.bin']) => ({
    modelTopology: { class_name: 'Model', config: {} },
    format: 'layers-model',
    weightsManifest: [{ paths, weights: [{ name: 'w', shape, dtype }] }],
  });
  const reader =
    (files: Record<string, Uint8Array | string>): ReadFile =>
    async (path) => {
      const f = files[path];
      if (f === undefined) throw new Error('ENOENT');
      const b = typeof f === 'string' ? enc.encode(f) : f;
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    };
  const load = (files: Record<string, Uint8Array | string>) =>
    readerIOHandler(reader(files), { label: 'mobilenet_v2' }).load!();

  it('garbage model.json, one without weights, one that is missing', async () => {
    await expect(load({ 'model.json': '\u0000\u0001garbage' })).rejects.toThrow(
      /^mobilenet_v2: model\.json is not valid JSON\. Run `npm run weights`/,
    );
    await expect(load({ 'model.json': '{"format":"layers-model"}' })).rejects.toThrow(
      /^mobilenet_v2: model\.json has no modelTopology\/weightsManifest/,
    );
    await expect(load({})).rejects.toThrow(/^mobilenet_v2: cannot read model\.json \(ENOENT\)/);
  });

  it('a missing shard, a shard of the wrong length, an absurd declared size, an unknown dtype', async () => {
    const json = JSON.stringify(manifest([2, 2]));
    await expect(load({ 'model.json': json })).rejects.toThrow(
      /cannot read group1-shard1of1\.bin \(ENOENT\)/,
    );
    await expect(load({ 'model.json': json, 'group1-shard1of1.bin': new Uint8Array(12) })).rejects.toThrow(
      /weight shard group1-shard1of1\.bin has 12 bytes, model\.json needs 16/,
    );
    await expect(
      load({
        'model.json': JSON.stringify(manifest([1e6, 1e6])),
        'group1-shard1of1.bin': new Uint8Array(16),
      }),
    ).rejects.toThrow(/has 16 bytes, model\.json needs 4000000000000/);
    await expect(
      load({
        'model.json': JSON.stringify(manifest([2], 'complex64')),
        'group1-shard1of1.bin': new Uint8Array(16),
      }),
    ).rejects.toThrow(/weight w: unsupported dtype complex64/);
  });
});
