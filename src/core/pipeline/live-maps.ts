import { resizeMask } from '../data/resize';
import type { RgbImage } from '../data/image';
import { rocAuc } from '../metrics';
import { synthesizeAnomaly } from '../synth/anomaly';
import { Rng } from '../synth/rng';
import { proceduralTexture } from '../synth/textures';
import { toRgb, type DatasetImages } from './dataset';

/**
 * The few fixed images whose anomaly maps are re-scored while a model trains, so the user watches
 * the maps sharpen: test images when the dataset has them (defects with masks first, one per type
 * in turn, then good parts), else training images with a synthetic anomaly (which the model also
 * trains on: their maps flatter it, and the UI says so).
 */
export interface LiveSet {
  source: 'test' | 'synthetic';
  items: LiveItem[];
  /** The images at the dataset's stored size, in item order. */
  images: RgbImage[];
}

export interface LiveItem {
  /** Index in the dataset's test or train split. */
  split: 'test' | 'train';
  index: number;
  label: 0 | 1;
  /** Defect type (test images), 'synthetic' or 'good'. */
  kind: string;
  /** [size*size] 0/1 at the dataset's stored size, or null (good part, or no mask). */
  mask: Uint8Array | null;
}

export const LIVE_IMAGES = 6;
/** The live scoring's share of the training time it may take (the schedule's limit)... */
export const LIVE_MAX_SHARE = 0.1;
/** ...and the least time between two scorings. */
export const LIVE_MIN_GAP_MS = 3000;

export function pickLiveSet(data: DatasetImages, count = LIVE_IMAGES, seed = 7): LiveSet {
  const n = Math.max(1, count);
  if (data.test.length > 0) {
    const byType = new Map<string, number[]>();
    const good: number[] = [];
    data.test.forEach((t, i) => {
      if (t.label === 0) good.push(i);
      else byType.set(t.defectType, [...(byType.get(t.defectType) ?? []), i]);
    });
    // Two good parts (when there are), the rest defects taken one per type in turn.
    const goodCount = Math.min(good.length, defectTotal(byType) > 0 ? Math.min(2, n - 1) : n);
    const defects: number[] = [];
    const queues = [...byType.values()];
    while (defects.length < n - goodCount && queues.some((q) => q.length > 0))
      for (const q of queues) if (q.length && defects.length < n - goodCount) defects.push(q.shift()!);
    const picked = [...defects, ...good.slice(0, n - defects.length)];
    return {
      source: 'test',
      items: picked.map((i) => {
        const t = data.test[i];
        return {
          split: 'test',
          index: i,
          label: t.label,
          kind: t.label ? t.defectType : 'good',
          mask: t.mask,
        };
      }),
      images: picked.map((i) => toRgb(data.test[i], data.size)),
    };
  }
  // No test set: the last training images, every other one with a synthetic anomaly.
  const rng = new Rng(seed);
  const start = Math.max(0, data.train.length - n);
  const items: LiveItem[] = [];
  const images: RgbImage[] = [];
  for (let i = start; i < data.train.length; i++) {
    const img = toRgb(data.train[i], data.size);
    if ((i - start) % 2 === 0) {
      const texture = data.textures.length
        ? data.textures[rng.int(0, data.textures.length)]
        : proceduralTexture(img.height, img.width, rng);
      const s = synthesizeAnomaly(img, texture, rng);
      const any = s.mask.some((v) => v > 0);
      items.push({
        split: 'train',
        index: i,
        label: any ? 1 : 0,
        kind: 'synthetic',
        mask: any ? s.mask : null,
      });
      images.push(s.image);
    } else {
      items.push({ split: 'train', index: i, label: 0, kind: 'good', mask: null });
      images.push(img);
    }
  }
  return { source: 'synthetic', items, images };
}

function defectTotal(byType: Map<string, number[]>): number {
  let n = 0;
  for (const q of byType.values()) n += q.length;
  return n;
}

/** Image and pixel AUROC of the live set's maps [N*S*S] (NaN where one class is missing). */
export function liveMetrics(
  set: LiveSet,
  storedSize: number,
  maps: Float32Array,
  scores: ArrayLike<number>,
  mapSize: number,
): { imageAuroc: number; pixelAuroc: number } {
  const labels = set.items.map((it) => it.label);
  const imageAuroc = new Set(labels).size === 2 ? rocAuc(labels, scores) : NaN;
  const px = mapSize * mapSize;
  const masks = new Uint8Array(set.items.length * px);
  let positives = 0;
  set.items.forEach((it, i) => {
    if (!it.mask) return;
    const m =
      storedSize === mapSize
        ? it.mask
        : resizeMask(it.mask, storedSize, storedSize, mapSize, mapSize, { method: 'nearest' });
    masks.set(m, i * px);
    for (const v of m) positives += v > 0 ? 1 : 0;
  });
  const pixelAuroc = positives > 0 && positives < masks.length ? rocAuc(masks, maps) : NaN;
  return { imageAuroc, pixelAuroc };
}

/**
 * When to score the live set: over the run, at most `maxShare` of the training time goes to it
 * (each scoring's cost is measured and the next one assumed to cost as much; room is kept for the
 * scoring at the last step), and no more often than `minGapMs`. The first scoring comes after the
 * first step whatever it costs, so a run of a few steps can read above the share.
 */
export class LiveSchedule {
  private lastCostMs = 0;
  private sinceMs = Infinity;
  /** Totals over the run, for the overhead the UI shows. */
  totalTrainMs = 0;
  totalLiveMs = 0;

  constructor(
    readonly maxShare = LIVE_MAX_SHARE,
    readonly minGapMs = LIVE_MIN_GAP_MS,
  ) {}

  /** Records a training step of `ms`. */
  trained(ms: number): void {
    this.sinceMs += ms;
    this.totalTrainMs += ms;
  }

  /** Whether a scoring now keeps within the share and the gap; true the first time. */
  due(): boolean {
    if (this.sinceMs === Infinity) return true;
    const withNextAndLast = this.totalLiveMs + 2 * this.lastCostMs;
    return this.sinceMs >= this.minGapMs && withNextAndLast <= this.maxShare * this.totalTrainMs;
  }

  /** Records a scoring of `ms`. */
  scored(ms: number): void {
    this.lastCostMs = ms;
    this.totalLiveMs += ms;
    this.sinceMs = 0;
  }

  /** Live scoring time as a share of training time so far. */
  overhead(): number {
    return this.totalTrainMs > 0 ? this.totalLiveMs / this.totalTrainMs : 0;
  }
}
