import { join } from 'node:path';
import { dirReader } from '../../scripts/lib/dir-reader';
import { loadTeacher, type Teacher } from '../../src/core/backbones';
import type { TeacherName } from '../../src/core/config';

/** A teacher with the weights the app serves (public/teachers, fetched by `npm run weights`). */
export const servedTeacher = (name: TeacherName): Promise<Teacher> =>
  loadTeacher(name, dirReader(join('public/teachers', name)));
