import type { DatasetImages, StoredImage, TestImage } from '../pipeline/dataset';
import { Rng } from '../synth/rng';
import { DEMO_DEFECTS, paintDefect, type DemoDefect } from './defects';
import { toBytes } from './paint';
import { DEMO_CATEGORIES, drawSurface, type DemoCategory } from './surfaces';

export { DEMO_CATEGORIES, DEMO_DEFECTS, type DemoCategory, type DemoDefect };

/**
 * The built-in demo dataset: one MVTec-style category generated from a seed (no files, no
 * network), so the app trains something on first open. Same seed, size and counts → same bytes.
 */

export interface DemoOptions {
  seed: number;
  /** Side of the square images (default 128). */
  size?: number;
  category?: DemoCategory;
  /** Good training images (default 40). */
  train?: number;
  /** Good test images (default 8). */
  testGood?: number;
  /** Test images per defect type (default 3). */
  perDefect?: number;
}

export interface DemoDataset extends DatasetImages {
  category: DemoCategory;
  /** Folder the paths start with, e.g. `demo-wood`. */
  root: string;
}

export interface DemoSample {
  /** [size,size,3] RGB bytes. */
  rgb: Uint8Array;
  /** The same part before the defect was painted. */
  clean: Uint8Array;
  /** [size,size] 0/1, all zero for a good part. */
  mask: Uint8Array;
}

export const DEFAULT_DEMO_CATEGORY: DemoCategory = 'wood';

/** One part, optionally with one defect, from its own generator. */
export function renderDemoSample(
  category: DemoCategory,
  size: number,
  rng: Rng,
  defect: DemoDefect | null,
): DemoSample {
  const surface = drawSurface(category, size, rng);
  const clean = toBytes(surface.canvas);
  if (!defect) return { rgb: clean, clean, mask: new Uint8Array(size * size) };
  const mask = paintDefect(surface, defect, rng);
  return { rgb: toBytes(surface.canvas), clean, mask };
}

const name = (i: number): string => `${String(i).padStart(3, '0')}.png`;

export function generateDemoDataset(
  opts: DemoOptions,
  onImage?: (done: number, total: number) => void,
): DemoDataset {
  const size = opts.size ?? 128;
  const category = opts.category ?? DEFAULT_DEMO_CATEGORY;
  const nTrain = opts.train ?? 40;
  const nGood = opts.testGood ?? 8;
  const perDefect = opts.perDefect ?? 3;
  if (!Number.isInteger(size) || size < 32 || size > 1024)
    throw new Error(`Demo image size must be 32–1024, not ${size}.`);
  if (!DEMO_CATEGORIES.includes(category)) throw new Error(`Unknown demo category ${String(category)}.`);
  const root = `demo-${category}`;
  const master = new Rng(opts.seed);
  const total = nTrain + nGood + perDefect * DEMO_DEFECTS.length;
  let done = 0;
  const tick = () => onImage?.(++done, total);

  const train: StoredImage[] = [];
  for (let i = 0; i < nTrain; i++) {
    train.push({
      path: `${root}/train/good/${name(i)}`,
      rgb: renderDemoSample(category, size, master.fork(), null).rgb,
    });
    tick();
  }
  const test: TestImage[] = [];
  for (let i = 0; i < nGood; i++) {
    const { rgb } = renderDemoSample(category, size, master.fork(), null);
    test.push({ path: `${root}/test/good/${name(i)}`, rgb, defectType: 'good', label: 0, mask: null });
    tick();
  }
  for (const defect of DEMO_DEFECTS) {
    for (let i = 0; i < perDefect; i++) {
      const { rgb, mask } = renderDemoSample(category, size, master.fork(), defect);
      test.push({ path: `${root}/test/${defect}/${name(i)}`, rgb, defectType: defect, label: 1, mask });
      tick();
    }
  }
  return { size, train, test, textures: [], category, root };
}
