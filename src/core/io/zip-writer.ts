/**
 * A writer of uncompressed ("stored") zip archives whose entry data can start on an aligned offset,
 * as `torch.save` writes them (its reader, and memory-mapping loaders, expect 64-byte-aligned
 * storages; the padding goes into an extra field of the local header, like torch's). Entries are
 * kept as given, not copied: `finish()` returns the archive as parts for a Blob or a file stream.
 * No zip64: an archive over 4 GiB or 65,535 entries is refused.
 */
import { crc32 } from './crc32';

export class ZipWriteError extends Error {
  override name = 'ZipWriteError';
}

/** Extra-field id torch pads with ("FB"). */
const PADDING_FIELD = 0x4246;
const MAX_U32 = 0xffffffff;
/** 1980-01-01 00:00 in DOS format: fixed, so one model gives byte-identical archives. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface Written {
  name: Uint8Array;
  utf8: boolean;
  crc: number;
  size: number;
  offset: number;
}

export class StoredZipWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly entries: Written[] = [];
  private offset = 0;

  /** `align`: entry data starts on a multiple of it (1 = no padding). */
  constructor(private readonly align = 1) {}

  /** Bytes written so far (headers, padding and data). */
  get size(): number {
    return this.offset;
  }

  add(name: string, data: Uint8Array): void {
    const nameBytes = new TextEncoder().encode(name);
    const utf8 = /[^\x20-\x7e]/.test(name);
    if (this.entries.length >= 0xffff) throw new ZipWriteError('more than 65,535 zip entries');
    const extra = this.padding(this.offset + 30 + nameBytes.length);
    const entry: Written = {
      name: nameBytes,
      utf8,
      crc: crc32(data),
      size: data.byteLength,
      offset: this.offset,
    };
    const header = new Uint8Array(30 + nameBytes.length + extra.length);
    const v = new DataView(header.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true); // version needed: 2.0
    v.setUint16(6, utf8 ? 0x0800 : 0, true);
    v.setUint16(8, 0, true); // stored
    v.setUint16(10, 0, true);
    v.setUint16(12, DOS_DATE, true);
    v.setUint32(14, entry.crc, true);
    v.setUint32(18, data.byteLength, true);
    v.setUint32(22, data.byteLength, true);
    v.setUint16(26, nameBytes.length, true);
    v.setUint16(28, extra.length, true);
    header.set(nameBytes, 30);
    header.set(extra, 30 + nameBytes.length);
    this.push(header);
    this.push(data);
    this.entries.push(entry);
  }

  /** The central directory and end record; the writer is not to be used after this. */
  finish(): Uint8Array[] {
    const start = this.offset;
    for (const e of this.entries) {
      const h = new Uint8Array(46 + e.name.length);
      const v = new DataView(h.buffer);
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true); // made by: 2.0, MS-DOS attributes
      v.setUint16(6, 20, true);
      v.setUint16(8, e.utf8 ? 0x0800 : 0, true);
      v.setUint16(10, 0, true);
      v.setUint16(12, 0, true);
      v.setUint16(14, DOS_DATE, true);
      v.setUint32(16, e.crc, true);
      v.setUint32(20, e.size, true);
      v.setUint32(24, e.size, true);
      v.setUint16(28, e.name.length, true);
      // extra (30), comment (32), disk (34), internal (36) and external (38) attributes: 0
      v.setUint32(42, e.offset, true);
      h.set(e.name, 46);
      this.push(h);
    }
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, this.entries.length, true);
    v.setUint16(10, this.entries.length, true);
    v.setUint32(12, this.offset - start, true);
    v.setUint32(16, start, true);
    this.push(end);
    return this.parts;
  }

  /** An extra field that moves the data after a header ending at `headerEnd` onto the alignment. */
  private padding(headerEnd: number): Uint8Array {
    if (this.align <= 1) return new Uint8Array(0);
    const pad = (this.align - ((headerEnd + 4) % this.align)) % this.align;
    const extra = new Uint8Array(4 + pad).fill(0x5a, 4); // 'Z', as torch fills it
    const v = new DataView(extra.buffer);
    v.setUint16(0, PADDING_FIELD, true);
    v.setUint16(2, pad, true);
    return extra;
  }

  private push(part: Uint8Array): void {
    if (this.offset + part.byteLength > MAX_U32)
      throw new ZipWriteError('the archive would pass 4 GiB, more than a zip without zip64 holds');
    this.parts.push(part);
    this.offset += part.byteLength;
  }
}

/** The parts of an archive as one buffer (tests, and callers that need the bytes at once). */
export function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
