import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadFile } from '../../src/core/backbones';

/** Reads a teacher's files from `dir` in Node, as the app's fetch reader does in the browser. */
export const dirReader =
  (dir: string): ReadFile =>
  async (path) => {
    const b = await readFile(join(dir, path));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
