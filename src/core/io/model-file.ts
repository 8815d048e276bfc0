import { readPth, PthError } from './pth';
import { readSafetensors, SafetensorsError, type NamedArray } from './safetensors';

/**
 * Reads a user-picked weight file (a PyTorch `.pth` / `.pt` or a `.safetensors`) by its content, not
 * its name, with a size bound checked before any byte is read, and errors that name the file. Both
 * readers are data-only (see pickle.ts): nothing in the file is ever executed.
 */

/** Larger files are refused unread: a JS ArrayBuffer this big is at the browser's limit anyway. */
export const MAX_MODEL_FILE_BYTES = 2 * 1024 ** 3;

export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;

/** Refuses a file by its size alone (call before reading it into memory). */
export function checkModelFileSize(name: string, bytes: number): void {
  if (bytes > MAX_MODEL_FILE_BYTES)
    throw new ModelFileError(
      `${name}: the file is ${gib(bytes)}, more than the ${gib(MAX_MODEL_FILE_BYTES)} this importer reads; it was not opened.`,
    );
  if (bytes === 0) throw new ModelFileError(`${name}: the file is empty (0 bytes).`);
}

type Kind = 'pth' | 'safetensors' | 'unknown';

function kindOf(bytes: Uint8Array): Kind {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return 'pth';
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) return 'pth';
  // safetensors: a little-endian u64 header length, then a JSON object.
  if (bytes.length >= 9 && bytes[8] === 0x7b && bytes[6] === 0 && bytes[7] === 0) return 'safetensors';
  return 'unknown';
}

/** The tensors of a `.pth` / `.pt` / `.safetensors` file; ModelFileError names the file and the fault. */
export function readModelFile(name: string, bytes: Uint8Array): Map<string, NamedArray> {
  checkModelFileSize(name, bytes.byteLength);
  const kind = kindOf(bytes);
  try {
    if (kind === 'pth') return readPth(bytes);
    if (kind === 'safetensors') return readSafetensors(bytes);
  } catch (e) {
    if (e instanceof PthError || e instanceof SafetensorsError) {
      const what = kind === 'pth' ? 'PyTorch checkpoint' : 'safetensors file';
      throw new ModelFileError(`${name}: this ${what} cannot be read: ${e.message.replace(/\.$/, '')}.`);
    }
    throw e;
  }
  const head = Array.from(bytes.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
  throw new ModelFileError(
    `${name}: not a PyTorch checkpoint (.pth/.pt zip or legacy) nor a safetensors file (it begins with bytes ${head}).`,
  );
}
