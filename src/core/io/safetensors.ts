/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header, then raw little-endian tensor data. Used for golden fixtures,
 * torchvision weights and our own checkpoints. Nothing here executes content from the file.
 */

export type SafeDType = 'F32' | 'F16' | 'I32' | 'I64' | 'U8' | 'BF16' | 'F64';

export interface NamedArray {
  dtype: SafeDType;
  shape: number[];
  /** F16/BF16/F64 are widened to F32, I64 narrowed to I32 (values beyond 2^31 are rejected). */
  data: Float32Array | Int32Array | Uint8Array;
}

const BYTES: Record<SafeDType, number> = { F32: 4, F16: 2, I32: 4, I64: 8, U8: 1, BF16: 2, F64: 8 };

/** Upper bound on the JSON header; a real header is a few hundred kB even for large models. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function decode(dtype: SafeDType, bytes: Uint8Array): Float32Array | Int32Array | Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / BYTES[dtype];
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n)
          throw new SafetensorsError(`I64 value ${v} does not fit in I32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'U8':
      return bytes.slice();
  }
}

/** Parses a safetensors buffer. Throws SafetensorsError with a human message on any inconsistency. */
export function readSafetensors(buffer: ArrayBuffer | Uint8Array): Map<string, NamedArray> {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < 8) throw new SafetensorsError('File too short to be safetensors (under 8 bytes).');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.byteLength) {
    throw new SafetensorsError(
      `Declared header size ${headerLen} bytes does not fit the ${bytes.byteLength}-byte file.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    throw new SafetensorsError(
      'The safetensors header is not valid JSON: the file is corrupt or not safetensors.',
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SafetensorsError('The safetensors header is not a JSON object: the file is not safetensors.');
  const dataStart = 8 + headerLen;
  const dataBytes = bytes.byteLength - dataStart;
  const out = new Map<string, NamedArray>();
  // Every entry is checked against the file's size before anything is allocated for it.
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (typeof entry !== 'object' || entry === null)
      throw new SafetensorsError(`Tensor ${name}: its header entry is not an object.`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype))
      throw new SafetensorsError(`Tensor ${name}: unsupported dtype ${String(dtype)}.`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorsError(`Tensor ${name}: invalid shape ${JSON.stringify(shape)}.`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    )
      throw new SafetensorsError(`Tensor ${name}: invalid data_offsets ${JSON.stringify(offsets)}.`);
    const type = dtype as SafeDType;
    const dims = shape as number[];
    const numel = dims.reduce((a, b) => a * b, 1);
    const [start, end] = offsets as [number, number];
    if (end > dataBytes)
      throw new SafetensorsError(
        `Tensor ${name}: declared ${type}${JSON.stringify(dims)} lies at bytes ${start}-${end}, past the end of the file's ${dataBytes} data bytes (truncated or absurd).`,
      );
    if (end - start !== numel * BYTES[type]) {
      throw new SafetensorsError(
        `Tensor ${name}: declared ${type}${JSON.stringify(dims)} does not match its byte range.`,
      );
    }
    out.set(name, {
      dtype: type,
      shape: dims,
      data: decode(type, bytes.subarray(dataStart + start, dataStart + end)),
    });
  }
  return out;
}

type WritableArray = Float32Array | Int32Array | Uint8Array;

/** A tensor as the header lists it: known before its values are read. */
export interface TensorEntry {
  name: string;
  dtype: 'F32' | 'I32' | 'U8';
  shape: number[];
  byteLength: number;
}

const dtypeOf = (data: WritableArray): TensorEntry['dtype'] =>
  data instanceof Float32Array ? 'F32' : data instanceof Int32Array ? 'I32' : 'U8';

/** The JSON header, padded with spaces to a multiple of 8 bytes as the format recommends. */
function header(entries: readonly TensorEntry[], metadata?: Record<string, string>): Uint8Array {
  const fields: Record<string, unknown> = {};
  if (metadata) fields.__metadata__ = metadata;
  let offset = 0;
  for (const t of entries) {
    fields[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(fields));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded === json.byteLength) return json;
  const p = new Uint8Array(padded).fill(0x20);
  p.set(json);
  return p;
}

/** The exact size of the file `writeSafetensors` writes for these tensors, without their values. */
export function safetensorsSize(entries: readonly TensorEntry[], metadata?: Record<string, string>): number {
  return 8 + header(entries, metadata).byteLength + entries.reduce((n, t) => n + t.byteLength, 0);
}

/** Writes F32 / I32 / U8 arrays as safetensors, with optional string metadata. */
export function writeSafetensors(
  tensors: Map<string, { shape: number[]; data: WritableArray }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = [...tensors.entries()];
  const json = header(
    entries.map(([name, t]) => ({
      name,
      dtype: dtypeOf(t.data),
      shape: t.shape,
      byteLength: t.data.byteLength,
    })),
    metadata,
  );
  const dataBytes = entries.reduce((n, [, t]) => n + t.data.byteLength, 0);
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
