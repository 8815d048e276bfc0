import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTeacher, type ReadFile, type Teacher } from '../../src/core/backbones';
import type { TeacherName } from '../../src/core/config';

/** Reads a teacher's files from `dir` as the app's fetch reader does. */
export const dirReader =
  (dir: string): ReadFile =>
  async (path) => {
    const b = await readFile(join(dir, path));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };

/** A teacher with the weights the app serves (public/teachers, fetched by `npm run weights`). */
export const servedTeacher = (name: TeacherName): Promise<Teacher> =>
  loadTeacher(name, dirReader(join('public/teachers', name)));
