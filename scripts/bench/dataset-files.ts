// Which files of a dataset folder the benchmark serves, optionally a deterministic subset.
import { listRelative } from '../../e2e/helpers/serve-folder';

export interface SubsetOptions {
  /** First N of the sorted train/good paths. */
  maxTrain?: number;
  /** First N sorted test images of each defect type. */
  maxTestPerType?: number;
}

const IMAGE = /\.(png|jpe?g|bmp|webp)$/i;

/**
 * The relative paths to serve from `dir`: every image, minus the train / test images cut by the
 * subset and the ground-truth masks of cut test images (a mask without its image would be reported
 * as a layout problem). Other files are served as they are; the loader judges them.
 */
export function selectDatasetFiles(dir: string, subset: SubsetOptions = {}): string[] {
  const all = listRelative(dir);
  const keep = new Set<string>();
  const perDir = new Map<string, number>();
  const kept = (path: string, limit: number | undefined): boolean => {
    if (limit === undefined) return true;
    const d = path.slice(0, path.lastIndexOf('/'));
    const n = perDir.get(d) ?? 0;
    perDir.set(d, n + 1);
    return n < limit;
  };
  for (const p of all) {
    const parts = p.split('/');
    if (!IMAGE.test(p) || parts.length !== 3) keep.add(p);
    else if (parts[0] === 'train') {
      if (kept(p, subset.maxTrain)) keep.add(p);
    } else if (parts[0] === 'test') {
      if (kept(p, subset.maxTestPerType)) keep.add(p);
    } else if (parts[0] !== 'ground_truth') keep.add(p);
  }
  // Masks follow their image: ground_truth/<type>/<stem>_mask.png for test/<type>/<stem>.png.
  const testStems = new Set(
    [...keep].filter((p) => p.startsWith('test/')).map((p) => p.slice(5).replace(/\.[^.]+$/, '')),
  );
  for (const p of all) {
    if (!p.startsWith('ground_truth/')) continue;
    const stem = p
      .slice('ground_truth/'.length)
      .replace(/\.[^.]+$/, '')
      .replace(/_mask$/, '');
    if (testStems.has(stem)) keep.add(p);
  }
  return all.filter((p) => keep.has(p));
}
