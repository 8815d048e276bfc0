import { unzipSync } from 'fflate';
import { halfToFloat, type NamedArray, type SafeDType } from './safetensors';
import {
  PthError,
  PyDict,
  PyTuple,
  StorageRef,
  TensorRef,
  storageFromPid,
  unpickle,
  type PyValue,
  type StorageType,
} from './pickle';

export { PthError } from './pickle';

/**
 * Safe reader for PyTorch checkpoints (`torch.save` of a state dict or a dict of state dicts): the
 * zip format (torch >= 1.6: `<name>/data.pkl` + raw storages `<name>/data/<key>`) and the legacy
 * format (older torchvision weights: pickles back to back, then the storages). Nothing in the file
 * is executed (see pickle.ts). Nested dicts are flattened with dotted names; non-tensor leaves
 * (epoch counters, metrics, strings) are skipped. Tensors come back contiguous, like readSafetensors:
 * float types as Float32Array (dtype keeps the stored type), integers as Int32Array (I64 values must
 * fit), bytes and bools as Uint8Array.
 */
export function readPth(buffer: ArrayBuffer | Uint8Array, limits: PthLimits = {}): Map<string, NamedArray> {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  if (
    bytes.byteLength >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    bytes[2] === 0x03 &&
    bytes[3] === 0x04
  ) {
    return readZip(bytes, maxBytes);
  }
  if (bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) return readLegacy(bytes);
  throw new PthError('not a PyTorch checkpoint (neither a torch zip archive nor a legacy torch.save file)');
}

export interface PthLimits {
  /** Largest uncompressed size of one archive entry; guards against zip bombs. Default 4 GiB. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** Weights compress little; no real checkpoint entry inflates anywhere near this much. */
const MAX_DEFLATE_RATIO = 100;
/** A view may repeat storage elements (stride 0) but never into a huge tensor. */
const MAX_REPEATED_NUMEL = 1 << 24;
/** Largest tensor we materialise (elements); a JS typed array cannot be much larger anyway. */
const MAX_NUMEL = 2 ** 31 - 1;

const ELEMENT_BYTES: Record<StorageType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

const OUT_DTYPE: Record<StorageType, SafeDType> = {
  F32: 'F32',
  F16: 'F16',
  BF16: 'BF16',
  F64: 'F64',
  I64: 'I64',
  I32: 'I32',
  I16: 'I32',
  I8: 'I32',
  U8: 'U8',
  BOOL: 'U8',
};

function readZip(bytes: Uint8Array, maxBytes: number): Map<string, NamedArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (f.originalSize > maxBytes || f.originalSize < 0) {
          throw new PthError(
            `checkpoint entry ${f.name} declares ${f.originalSize} bytes: refused as absurd`,
          );
        }
        // torch stores entries uncompressed and weights barely deflate: a huge ratio is a zip bomb.
        if (f.originalSize > MAX_DEFLATE_RATIO * f.size + 1024 * 1024) {
          throw new PthError(
            `checkpoint entry ${f.name} declares ${f.originalSize} bytes from ${f.size} compressed bytes: refused as a zip bomb`,
          );
        }
        return f.name.endsWith('/data.pkl') || f.name.includes('/data/');
      },
    });
  } catch (e) {
    if (e instanceof PthError) throw e;
    throw new PthError(
      `the checkpoint zip archive is damaged or truncated (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const pklNames = Object.keys(files).filter((n) => n.endsWith('/data.pkl') && n.split('/').length === 2);
  if (pklNames.length !== 1)
    throw new PthError('the zip archive is not a torch checkpoint (no single <name>/data.pkl)');
  const root = pklNames[0].slice(0, -'data.pkl'.length);
  const { value } = unpickle(files[pklNames[0]], 0, storageFromPid);
  return collect(value, (ref) => {
    const data = files[`${root}data/${ref.key}`];
    if (!data) throw new PthError(`checkpoint storage ${ref.key} is missing from the archive`);
    return data;
  });
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readLegacy(bytes: Uint8Array): Map<string, NamedArray> {
  const noPid = (): PyValue => {
    throw new PthError('malformed legacy checkpoint header');
  };
  const magic = unpickle(bytes, 0, noPid);
  if (magic.value !== LEGACY_MAGIC) throw new PthError('not a PyTorch checkpoint (bad legacy magic number)');
  const protocol = unpickle(bytes, magic.end, noPid);
  if (protocol.value !== 1001)
    throw new PthError(`unsupported legacy checkpoint protocol ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, protocol.end, noPid);
  if (sysInfo.value instanceof PyDict && sysInfo.value.map.get('little_endian') === false) {
    throw new PthError('big-endian legacy checkpoints are not supported');
  }
  const main = unpickle(bytes, sysInfo.end, storageFromPid);
  const keys = unpickle(bytes, main.end, noPid);
  if (!Array.isArray(keys.value) || keys.value.some((k) => typeof k !== 'string' && typeof k !== 'number')) {
    throw new PthError('malformed legacy checkpoint: bad storage key list');
  }
  // Storage element types come from the main pickle; the data follows as (int64 numel, raw bytes) per key.
  const types = new Map<string, StorageType>();
  walkTensors(main.value, (ref) => types.set(ref.storage.key, ref.storage.type));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let pos = keys.end;
  for (const k of keys.value as (string | number)[]) {
    const key = String(k);
    if (pos + 8 > bytes.byteLength)
      throw new PthError('the checkpoint is truncated: storage data is missing');
    const numel = view.getBigInt64(pos, true);
    const type = types.get(key);
    if (!type) throw new PthError(`malformed legacy checkpoint: storage ${key} is used by no tensor`);
    const n = Number(numel) * ELEMENT_BYTES[type];
    if (numel < 0n || pos + 8 + n > bytes.byteLength)
      throw new PthError('the checkpoint is truncated: storage data is missing');
    storages.set(key, bytes.subarray(pos + 8, pos + 8 + n));
    pos += 8 + n;
  }
  return collect(main.value, (ref) => {
    const data = storages.get(ref.key);
    if (!data) throw new PthError(`checkpoint storage ${ref.key} is missing`);
    return data;
  });
}

function walkTensors(v: PyValue, visit: (t: TensorRef, path: string) => void, path = ''): void {
  if (v instanceof TensorRef) {
    visit(v, path);
  } else if (v instanceof PyDict) {
    for (const [k, child] of v.map) walkTensors(child, visit, path ? `${path}.${String(k)}` : String(k));
  } else if (Array.isArray(v) || v instanceof PyTuple) {
    const items = Array.isArray(v) ? v : v.items;
    items.forEach((child, i) => walkTensors(child, visit, path ? `${path}.${i}` : String(i)));
  }
}

function collect(root: PyValue, storageBytes: (ref: StorageRef) => Uint8Array): Map<string, NamedArray> {
  if (root instanceof TensorRef) throw new PthError('the checkpoint holds a single tensor, not a state dict');
  const out = new Map<string, NamedArray>();
  walkTensors(root, (t, name) => {
    if (out.has(name)) throw new PthError(`checkpoint has two tensors named ${name}`);
    out.set(name, materialise(name, t, storageBytes(t.storage)));
  });
  return out;
}

function materialise(name: string, t: TensorRef, raw: Uint8Array): NamedArray {
  const { storage, offset, size, stride } = t;
  const esize = ELEMENT_BYTES[storage.type];
  if (storage.numel * esize > raw.byteLength) {
    throw new PthError(
      `${name}: its storage declares ${storage.numel} elements but the file holds ${Math.floor(raw.byteLength / esize)}`,
    );
  }
  let numel = 1;
  for (const d of size) numel *= d;
  if (numel > MAX_NUMEL) throw new PthError(`${name}: ${numel} elements is absurdly large`);
  if (numel > storage.numel && numel > MAX_REPEATED_NUMEL)
    throw new PthError(
      `${name}: its shape declares ${numel} elements from a storage of ${storage.numel}: refused as absurd`,
    );
  if (numel > 0) {
    let last = offset;
    for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
    if (last >= storage.numel)
      throw new PthError(`${name}: its shape and strides reach past the end of its storage`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dtype = OUT_DTYPE[storage.type];
  const data = allocate(storage.type, numel);
  // Walk the strided view in row-major order with an odometer over the dimensions.
  const idx = new Array<number>(size.length).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    data[i] = readElement(view, storage.type, src * esize, name);
    for (let d = size.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < size[d]) break;
      src -= stride[d] * size[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...size], data };
}

function allocate(type: StorageType, n: number): Float32Array | Int32Array | Uint8Array {
  if (type === 'U8' || type === 'BOOL') return new Uint8Array(n);
  if (type === 'I64' || type === 'I32' || type === 'I16' || type === 'I8') return new Int32Array(n);
  return new Float32Array(n);
}

const BF16_FLOAT = new Float32Array(1);
const BF16_BITS = new Uint32Array(BF16_FLOAT.buffer);

function readElement(view: DataView, type: StorageType, at: number, name: string): number {
  switch (type) {
    case 'F32':
      return view.getFloat32(at, true);
    case 'F16':
      return halfToFloat(view.getUint16(at, true));
    case 'BF16':
      BF16_BITS[0] = view.getUint16(at, true) << 16;
      return BF16_FLOAT[0];
    case 'F64':
      return view.getFloat64(at, true);
    case 'I64': {
      const v = view.getBigInt64(at, true);
      if (v > 2147483647n || v < -2147483648n)
        throw new PthError(`${name}: int64 value ${v} does not fit in int32`);
      return Number(v);
    }
    case 'I32':
      return view.getInt32(at, true);
    case 'I16':
      return view.getInt16(at, true);
    case 'I8':
      return view.getInt8(at);
    case 'U8':
    case 'BOOL':
      return view.getUint8(at);
  }
}
