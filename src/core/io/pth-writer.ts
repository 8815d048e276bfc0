import { StoredZipWriter } from './zip-writer';

/**
 * Writes what `torch.save({'msff': m.state_dict(), 'student': ..., 'bn': ...}, path)` writes: a zip
 * archive `archive/` with `data.pkl` (a protocol-2 pickle of the dict of OrderedDicts, each tensor a
 * `torch._utils._rebuild_tensor_v2` call on a persistent-id storage), one `data/<key>` record of raw
 * little-endian bytes per storage (64-byte aligned), `byteorder` and `version`. The pickle names only
 * what torch's own weights-only loader allows (OrderedDict, _rebuild_tensor_v2, storage types), so
 * `torch.load(path)` reads it with or without `weights_only`, and readPth (pth.ts) reads it back.
 */

export type TorchTensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array };

/** Group name (`msff`) -> state dict (parameter name -> tensor), in the order to write. */
export type StateDicts = Map<string, Map<string, TorchTensor>>;

const STORAGE_TYPE: Record<TorchTensor['dtype'], string> = { F32: 'FloatStorage', I64: 'LongStorage' };

/** torch's record alignment (caffe2 serialize's kFieldAlignment). */
const ALIGN = 64;
/** Python's pickler puts at most this many items in one SETITEMS. */
const BATCH = 1000;

export interface PthWriteOptions {
  /** The archive's folder name; torch.load accepts any. */
  archive?: string;
  /** Called after each storage with bytes written so far; may await (to yield, or to cancel by throwing). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** The archive as parts (for a Blob or a file stream); concatParts makes one buffer. */
export async function writePth(dicts: StateDicts, opts: PthWriteOptions = {}): Promise<Uint8Array[]> {
  const root = opts.archive ?? 'archive';
  const storages: Uint8Array[] = [];
  const pickle = new Pickler();
  pickle.op(PROTO, 2);
  pickle.op(EMPTY_DICT);
  pickle.op(MARK);
  for (const [group, dict] of dicts) {
    pickle.text(group);
    pickle.global('collections', 'OrderedDict');
    pickle.op(EMPTY_TUPLE);
    pickle.op(REDUCE);
    const items = [...dict];
    for (let start = 0; start < items.length; start += BATCH) {
      pickle.op(MARK);
      for (const [name, t] of items.slice(start, start + BATCH)) {
        pickle.text(name);
        pickle.tensor(t, String(storages.length));
        storages.push(tensorBytes(name, t));
      }
      pickle.op(SETITEMS);
    }
  }
  pickle.op(SETITEMS);
  pickle.op(STOP);

  const zip = new StoredZipWriter(ALIGN);
  const total = storages.reduce((n, s) => n + s.byteLength, 0);
  let done = 0;
  zip.add(`${root}/data.pkl`, pickle.bytes());
  zip.add(`${root}/byteorder`, new TextEncoder().encode('little'));
  for (const [key, bytes] of storages.entries()) {
    zip.add(`${root}/data/${key}`, bytes);
    done += bytes.byteLength;
    await opts.onProgress?.(done, total);
  }
  zip.add(`${root}/version`, new TextEncoder().encode('3\n'));
  return zip.finish();
}

function tensorBytes(name: string, t: TorchTensor): Uint8Array {
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== numel)
    throw new Error(
      `${name}: shape [${t.shape.join(',')}] needs ${numel} values, the tensor has ${t.data.length}`,
    );
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

// Pickle opcodes (Python's pickle.py names).
const MARK = 0x28;
const STOP = 0x2e;
const BININT = 0x4a;
const BININT1 = 0x4b;
const BININT2 = 0x4d;
const LONG1 = 0x8a;
const BINUNICODE = 0x58;
const GLOBAL = 0x63;
const REDUCE = 0x52;
const BINPERSID = 0x51;
const EMPTY_DICT = 0x7d;
const EMPTY_TUPLE = 0x29;
const TUPLE = 0x74;
const TUPLE1 = 0x85;
const TUPLE2 = 0x86;
const TUPLE3 = 0x87;
const SETITEMS = 0x75;
const NEWFALSE = 0x89;
const PROTO = 0x80;

/** Emits the few pickle constructs a torch state dict needs, as Python's protocol-2 pickler does. */
class Pickler {
  private buf = new Uint8Array(1 << 16);
  private length = 0;
  private readonly utf8 = new TextEncoder();

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  op(code: number, arg?: number): void {
    this.ensure(2);
    this.buf[this.length++] = code;
    if (arg !== undefined) this.buf[this.length++] = arg;
  }

  int(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`cannot pickle ${v} as a size`);
    if (v < 0x100) this.op(BININT1, v);
    else if (v < 0x10000) {
      this.op(BININT2);
      this.raw([v & 0xff, v >>> 8]);
    } else if (v < 0x80000000) {
      this.op(BININT);
      this.raw([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
    } else {
      // LONG1: little-endian two's complement, with a 0 byte when the top bit would read as a sign.
      const bytes: number[] = [];
      for (let x = BigInt(v); x > 0n; x >>= 8n) bytes.push(Number(x & 0xffn));
      if (bytes[bytes.length - 1] & 0x80) bytes.push(0);
      this.op(LONG1, bytes.length);
      this.raw(bytes);
    }
  }

  text(s: string): void {
    const b = this.utf8.encode(s);
    this.op(BINUNICODE);
    const n = b.length;
    this.raw([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
    this.raw(b);
  }

  global(module: string, name: string): void {
    this.op(GLOBAL);
    this.raw(this.utf8.encode(`${module}\n${name}\n`));
  }

  tuple(items: readonly number[]): void {
    if (items.length === 0) return this.op(EMPTY_TUPLE);
    if (items.length > 3) this.op(MARK);
    for (const v of items) this.int(v);
    this.op(items.length > 3 ? TUPLE : [TUPLE1, TUPLE2, TUPLE3][items.length - 1]);
  }

  /** `_rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())` on storage `key`. */
  tensor(t: TorchTensor, key: string): void {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.op(MARK);
    // The persistent id torch's loader resolves to the storage: ('storage', type, key, location, numel).
    this.op(MARK);
    this.text('storage');
    this.global('torch', STORAGE_TYPE[t.dtype]);
    this.text(key);
    this.text('cpu');
    this.int(numel);
    this.op(TUPLE);
    this.op(BINPERSID);
    this.int(0);
    this.tuple(t.shape);
    this.tuple(stride);
    this.op(NEWFALSE);
    this.global('collections', 'OrderedDict');
    this.op(EMPTY_TUPLE);
    this.op(REDUCE);
    this.op(TUPLE);
    this.op(REDUCE);
  }

  private raw(bytes: ArrayLike<number>): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}
