/**
 * Looks at an image file's bytes before the browser decodes it, so a bad file gets a precise reason
 * ("the PNG is truncated", "it holds text") instead of the decoder's generic failure, and so the
 * declared size is known before any pixel memory is allocated. Pure: no DOM, no decoding of pixels.
 *
 * Checked: PNG chunk structure, CRCs and the IEND end marker (PIL refuses CRC errors too, so such a
 * file would not load in the reference either); JPEG marker structure up to its end-of-image marker;
 * GIF / BMP / WebP headers for their size. Content wins over the file name, as in browsers and PIL: a
 * JPEG named `.png` is a fine JPEG.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

export type SniffResult =
  { ok: true; format: ImageFormat; width: number; height: number } | { ok: false; reason: string };

const FORMAT_NAMES = 'PNG, JPEG, BMP, GIF or WebP';

const fail = (reason: string): SniffResult => ({ ok: false, reason });

const be32 = (b: Uint8Array, at: number): number =>
  ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const be16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const le16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const le24 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
const le32s = (b: Uint8Array, at: number): number =>
  b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

let crcTable: Uint32Array | null = null;
/** The CRC-32 PNG chunks carry (ISO 3309), over b[from, to). */
export function crc32(b: Uint8Array, from = 0, to = b.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const chunkName = (b: Uint8Array, at: number): string => String.fromCharCode(...b.subarray(at, at + 4));

function sniffPng(b: Uint8Array): SniffResult {
  if (b.length < 33 || chunkName(b, 12) !== 'IHDR' || be32(b, 8) !== 13)
    return fail('the PNG is truncated or damaged: its header (IHDR) is missing');
  const width = be32(b, 16);
  const height = be32(b, 20);
  const depth = b[24];
  const colour = b[25];
  const validDepths: Record<number, number[]> = {
    0: [1, 2, 4, 8, 16],
    2: [8, 16],
    3: [1, 2, 4, 8],
    4: [8, 16],
    6: [8, 16],
  };
  if (width === 0 || height === 0 || !validDepths[colour]?.includes(depth))
    return fail(`the PNG header is invalid (${width}x${height}, colour type ${colour}, bit depth ${depth})`);
  let at = 8;
  let sawData = false;
  while (at < b.length) {
    if (at + 8 > b.length)
      return fail(`the PNG is truncated: it stops inside a chunk header at byte ${at} of ${b.length}`);
    const len = be32(b, at);
    const name = chunkName(b, at + 4);
    if (!/^[A-Za-z]{4}$/.test(name))
      return fail(`the PNG is damaged: bytes at offset ${at + 4} are not a chunk name`);
    const end = at + 12 + len;
    if (end > b.length)
      return fail(
        `the PNG is truncated: its ${name} chunk needs ${len} bytes but only ${Math.max(0, b.length - at - 8)} are in the file`,
      );
    if (crc32(b, at + 4, at + 8 + len) !== be32(b, at + 8 + len))
      return fail(`the PNG is damaged: its ${name} chunk at byte ${at} fails its checksum (CRC)`);
    if (name === 'IDAT') sawData = true;
    if (name === 'PLTE' && colour === 3 && (len % 3 !== 0 || len === 0))
      return fail('the PNG is damaged: its palette (PLTE) has an invalid length');
    if (name === 'IEND') {
      if (!sawData) return fail('the PNG holds no image data (no IDAT chunk)');
      return { ok: true, format: 'png', width, height };
    }
    at = end;
  }
  return fail('the PNG is truncated: the file ends before its end marker (IEND)');
}

function sniffJpeg(b: Uint8Array): SniffResult {
  let at = 2;
  let width = 0;
  let height = 0;
  // Header segments up to the first scan; each is FF <marker> <u16 length incl. itself> <payload>.
  for (;;) {
    while (at < b.length && b[at] === 0xff && b[at + 1] === 0xff) at++; // fill bytes
    if (at + 4 > b.length) return fail('the JPEG is truncated: it ends before its image data');
    if (b[at] !== 0xff)
      return fail(`the JPEG is damaged: no segment marker at byte ${at} (found 0x${b[at].toString(16)})`);
    const marker = b[at + 1];
    const len = be16(b, at + 2);
    if (len < 2) return fail(`the JPEG is damaged: segment 0xFF${marker.toString(16)} has length ${len}`);
    if (at + 2 + len > b.length)
      return fail('the JPEG is truncated: the file ends inside its headers, before any image data');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      height = be16(b, at + 5);
      width = be16(b, at + 7);
    }
    at += 2 + len;
    if (marker === 0xda) break; // start of scan
    if (marker === 0xd9) return fail('the JPEG ends before its image data (no scan)');
  }
  if (width === 0 || height === 0)
    return fail('the JPEG is damaged: it has no frame header (SOF) with its size');
  // Entropy-coded data: 0xFF is always followed by 0x00 (stuffing), a restart marker or a real marker;
  // progressive files have further header segments and scans before the end-of-image marker.
  for (let i = at; i + 1 < b.length; i++) {
    if (b[i] !== 0xff) continue;
    const m = b[i + 1];
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) continue;
    if (m === 0xd9) return { ok: true, format: 'jpeg', width, height };
    if (i + 3 < b.length) i += 1 + be16(b, i + 2);
  }
  return fail(
    'the JPEG is truncated: its image data stops before the end-of-image marker (the bottom of the picture is missing)',
  );
}

function sniffOther(b: Uint8Array): SniffResult | null {
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) {
    if (b.length < 10) return fail('the GIF is truncated: its header is incomplete');
    return { ok: true, format: 'gif', width: le16(b, 6), height: le16(b, 8) };
  }
  if (startsWith(b, [0x42, 0x4d])) {
    if (b.length < 26) return fail('the BMP is truncated: its header is incomplete');
    const headerSize = le32s(b, 14);
    if (headerSize === 12) return { ok: true, format: 'bmp', width: le16(b, 18), height: le16(b, 20) };
    return { ok: true, format: 'bmp', width: Math.abs(le32s(b, 18)), height: Math.abs(le32s(b, 22)) };
  }
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, [0x57, 0x45, 0x42, 0x50], 8)) {
    if (b.length < 30) return fail('the WebP is truncated: its header is incomplete');
    const kind = chunkName(b, 12);
    if (kind === 'VP8X') return { ok: true, format: 'webp', width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
    if (kind === 'VP8L') {
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { ok: true, format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (kind === 'VP8 ')
      return { ok: true, format: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    return fail(`the WebP file has an unknown first chunk "${kind}"`);
  }
  return null;
}

/** Whether the first bytes read as text (UTF-8 without control characters other than whitespace). */
function looksLikeText(b: Uint8Array): string | null {
  const head = b.subarray(0, 64);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    // A multi-byte character cut at byte 64 is still text: retry without the tail.
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - 3));
    } catch {
      return null;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return null;
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 40 ? `${oneLine.slice(0, 40)}…` : oneLine;
}

/** Identifies an image file from its bytes; on failure `reason` says what is wrong, in words. */
export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length === 0) return fail('the file is empty (0 bytes)');
  if (startsWith(bytes, PNG_SIG)) return sniffPng(bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return sniffJpeg(bytes);
  const other = sniffOther(bytes);
  if (other) return other;
  const text = looksLikeText(bytes);
  if (text !== null) return fail(`it holds text, not an image (it begins "${text}")`);
  const hex = Array.from(bytes.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
  return fail(`its content is not a ${FORMAT_NAMES} image (it begins with bytes ${hex})`);
}
