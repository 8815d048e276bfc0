import * as tf from '@tensorflow/tfjs';
import { l2NormalizeLast } from '../kernels/l2-normalize';
import { topkValues } from '../kernels/top-k';

/**
 * The dual memory banks (normal / abnormal) of DM-GRD: per teacher level, the full feature maps of L
 * memory items and their spatial means, plus which dataset image each item came from (for the memory
 * explorer's thumbnails). The bank does not know the teacher: callers pass its features.
 *
 * Gradients: in the reference the memories are built without gradients and the query is the frozen
 * teacher's output, so nothing here needs one. Where a gradient could matter (paper mode with
 * trainable memory maps) the selected item is gathered with a one-hot matmul, whose gradient exists
 * on every backend (tf.gather's needs UnsortedSegmentSum, missing on WASM). Top-k and arg-min/max
 * only produce indices and values that are not differentiated (no backend has a TopK gradient).
 */

export interface MemoryLevel {
  /** Full teacher maps of the items, [L,H,W,C] (a tf.Variable when memories are trainable). */
  maps: tf.Tensor4D;
  /** Spatial means of the maps as built, [L,C] (the reference's `normal_memory_information`). */
  means: tf.Tensor2D;
}

export interface MemoryBank {
  levels: MemoryLevel[];
  /** Dataset image index of each memory slot, length L. */
  sources: number[];
}

/** Teacher features of `sources.length` images, one [n,H,W,C] tensor per level. */
export interface MemoryBatch {
  features: tf.Tensor4D[];
  sources: number[];
}

export function memorySize(bank: MemoryBank): number {
  return bank.sources.length;
}

/**
 * Builds a bank from teacher features given in slot order (the caller draws the L images at random,
 * as the reference's shuffled visit does). Inputs are copied, not taken over: the caller still owns them.
 */
export function buildMemoryBank(batches: MemoryBatch[]): MemoryBank {
  if (batches.length === 0) throw new Error('buildMemoryBank: no items');
  const nLevels = batches[0].features.length;
  const sources = batches.flatMap((b) => {
    for (const f of b.features) {
      if (f.shape[0] !== b.sources.length) throw new Error('buildMemoryBank: batch size != sources length');
    }
    return b.sources;
  });
  const levels = tf.tidy(() =>
    Array.from({ length: nLevels }, (_, l) => {
      const parts = batches.map((b) => b.features[l]);
      const maps = (parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts, 0)) as tf.Tensor4D;
      return { maps, means: tf.mean(maps, [1, 2]) as tf.Tensor2D };
    }),
  );
  return { levels, sources };
}

export function disposeMemoryBank(bank: MemoryBank): void {
  for (const l of bank.levels) {
    l.maps.dispose();
    l.means.dispose();
  }
}

/** Top-k width of the reference's diff bank: k = L // 3 per level. */
export function diffBankK(bank: MemoryBank): number {
  return Math.floor(memorySize(bank) / 3);
}

export type DiffLevelDetails = {
  /** cos(normalised item mean, normalised query pixel), [B,L,H,W]. */
  cos: tf.Tensor4D;
  /** Softmax of `cos` over the L items, per pixel, [B,L,H,W]. */
  sim: tf.Tensor4D;
  /** Σ_i sim_i · mean_i, [B,H,W,C]. */
  fr: tf.Tensor4D;
  /** Top-k channel values of Fr averaged over pixels, [B,k]. */
  topkMean: tf.Tensor2D;
};

export type DiffBankResult = {
  /** The reference's diff bank D, [B, levels·k]. */
  diff: tf.Tensor2D;
  /** Per-level intermediates, only when asked for. */
  details?: DiffLevelDetails[];
};

/**
 * The reference's `_calc_diff`, in its order of operations, per level: cosine of each query pixel
 * with each normalised item mean, softmax over items, Fr = sim-weighted item means, top-k over Fr's
 * channels (k = L // 3), mean over pixels; levels concatenated.
 */
export function diffBank(
  bank: MemoryBank,
  query: readonly tf.Tensor4D[], // per level [B,H,W,C] teacher features
  opts: { details?: boolean } = {},
): DiffBankResult {
  const k = diffBankK(bank);
  if (k < 1) throw new Error('diffBank needs at least 3 memory items');
  const nItems = memorySize(bank);
  return tf.tidy(() => {
    const tops: tf.Tensor2D[] = [];
    const details: DiffLevelDetails[] = [];
    bank.levels.forEach((level, l) => {
      const q = query[l];
      const [b, h, w, c] = q.shape;
      const qFlat = tf.reshape(q, [b * h * w, c]);
      const cos = tf.matMul(l2NormalizeLast(qFlat), l2NormalizeLast(level.means), false, true); // [BP,L]
      const sim = tf.softmax(cos); // over the items, per pixel
      const fr = tf.matMul(sim, level.means); // [BP,C]
      const top = topkValues(fr as tf.Tensor2D, k); // [BP,k]
      const topkMean = tf.mean(tf.reshape(top, [b, h * w, k]), 1) as tf.Tensor2D;
      tops.push(topkMean);
      if (opts.details) {
        const toBLHW = (t: tf.Tensor) =>
          tf.transpose(tf.reshape(t, [b, h, w, nItems]), [0, 3, 1, 2]) as tf.Tensor4D;
        details.push({
          cos: toBLHW(cos),
          sim: toBLHW(sim),
          fr: tf.reshape(fr, [b, h, w, c]) as tf.Tensor4D,
          topkMean,
        });
      }
    });
    const diff = tf.concat(tops, 1) as tf.Tensor2D;
    return { diff, details: opts.details ? details : undefined };
  });
}

/** maps[index[b]] for every batch row, [B,H,W,C], as a one-hot matmul (differentiable w.r.t. maps). */
export function gatherItems(
  maps: tf.Tensor4D, // [L,H,W,C]
  index: tf.Tensor1D, // [B] int32
): tf.Tensor4D {
  return tf.tidy(() => {
    const [nItems, h, w, c] = maps.shape;
    const oneHot = tf.cast(tf.oneHot(index, nItems), 'float32'); // [B,L]
    const picked = tf.matMul(oneHot, tf.reshape(maps, [nItems, h * w * c]));
    return tf.reshape(picked, [index.shape[0], h, w, c]) as tf.Tensor4D;
  });
}

/**
 * The MSFF inputs for chosen memory slots: per level concat(q, (Mu[index] - q)²) along channels,
 * [B,H,W,2C] (the reference's `F.mse_loss(reduction='none')` of the selected item and the query).
 */
export function memoryInputs(
  bank: MemoryBank,
  query: readonly tf.Tensor4D[], // per level [B,H,W,C]
  index: tf.Tensor1D, // [B] int32 slot per batch row
): tf.Tensor4D[] {
  return tf.tidy(() =>
    bank.levels.map((level, l) => {
      const q = query[l];
      const diff = tf.squaredDifference(gatherItems(level.maps, index), q);
      return tf.concat([q, diff], 3) as tf.Tensor4D;
    }),
  );
}

export interface Selection {
  /** Memory slot used for each batch row, [B] int32 (stays on the device: no sync needed). */
  index: tf.Tensor1D;
  /** MSFF inputs per level, [B,H,W,2C]. */
  inputs: tf.Tensor4D[];
}

/**
 * Reference `select`: j = argmin over the diff bank's columns, used directly as a memory slot (the
 * same slot for every level). Note (golden README): j can only be k-1, 2k-1 or 3k-1.
 */
export function selectReference(
  bank: MemoryBank,
  query: readonly tf.Tensor4D[],
): Selection & { diff: tf.Tensor2D } {
  const { diff } = diffBank(bank, query);
  const index = tf.tidy(() => tf.argMin(diff, 1) as tf.Tensor1D);
  const inputs = memoryInputs(bank, query, index);
  return { index, inputs, diff };
}

/**
 * Image-level similarity of each query to each memory item, [B,L]: the mean over levels of the mean
 * over pixels of the cosine between the query's feature vector and the item's feature vector at the
 * same pixel. Computed as one matmul per level over the flattened (pixel, channel) axes, so the
 * per-pixel maps are never formed.
 */
export function itemSimilarity(bank: MemoryBank, query: readonly tf.Tensor4D[]): tf.Tensor2D {
  return tf.tidy(() => {
    const perLevel = bank.levels.map((level, l) => {
      const q = query[l];
      const [b, h, w, c] = q.shape;
      const qn = tf.reshape(l2NormalizeLast(q), [b, h * w * c]);
      const mn = tf.reshape(l2NormalizeLast(level.maps), [memorySize(bank), h * w * c]);
      return tf.div(tf.matMul(qn, mn, false, true), h * w); // [B,L]
    });
    return tf.div(tf.addN(perLevel), perLevel.length) as tf.Tensor2D;
  });
}

/**
 * Paper mode: the truly nearest memory item per query, argmax of `itemSimilarity` (pixel-aligned
 * cosine, averaged over pixels and levels). Pixel-aligned because the selected item is used in the
 * pixel-aligned difference (Mu[idx] - q)², so the best reference is the one whose features agree
 * with the query's at the same places; cosine so that each level counts the same whatever its
 * feature scale. `excludeSources[b]` (a dataset image index, or -1) keeps row b from picking an
 * item built from that same image, which would make its difference map trivially zero.
 */
export function selectNearest(
  bank: MemoryBank,
  query: readonly tf.Tensor4D[],
  opts: { excludeSources?: readonly number[] } = {},
): Selection & { score: tf.Tensor2D } {
  const score = itemSimilarity(bank, query);
  const index = tf.tidy(() => {
    const ex = opts.excludeSources;
    if (!ex) return tf.argMax(score, 1) as tf.Tensor1D;
    const nItems = memorySize(bank);
    const penalty = new Float32Array(ex.length * nItems);
    ex.forEach((src, b) => {
      bank.sources.forEach((s, i) => {
        if (src >= 0 && s === src) penalty[b * nItems + i] = -1e9;
      });
    });
    return tf.argMax(tf.add(score, tf.tensor2d(penalty, [ex.length, nItems])), 1) as tf.Tensor1D;
  });
  const inputs = memoryInputs(bank, query, index);
  return { index, inputs, score };
}

export interface SimilarityLevel {
  /** Pixel-aligned cosine between query and item, [B,L,H,W]. */
  maps: tf.Tensor4D;
  /** Its mean over pixels, [B,L]. */
  image: tf.Tensor2D;
  /** Cosine between the query's spatial mean and the item's mean (global descriptors), [B,L]. */
  global: tf.Tensor2D;
}

/**
 * For the memory explorer: per level, per item, per pixel, how similar the query is to each memory
 * item (and the image-level scores `selectNearest` ranks by: `image` = mean over levels of the
 * levels' `image`). Meant for a few queries at a time: it forms a [B,L,H,W,C] temporary per level.
 */
export function similarities(
  bank: MemoryBank,
  query: readonly tf.Tensor4D[],
): { levels: SimilarityLevel[]; image: tf.Tensor2D } {
  return tf.tidy(() => {
    const levels = bank.levels.map((level, l) => {
      const q = query[l];
      const qn = tf.expandDims(l2NormalizeLast(q), 1); // [B,1,H,W,C]
      const mn = tf.expandDims(l2NormalizeLast(level.maps), 0); // [1,L,H,W,C]
      // One broadcast product and one channel sum for the whole batch, in NHWC order (no transposes).
      const maps = tf.sum(tf.mul(qn, mn), 4) as tf.Tensor4D; // [B,L,H,W]
      const image = tf.mean(maps, [2, 3]) as tf.Tensor2D;
      const qMean = l2NormalizeLast(tf.mean(q, [1, 2]));
      const global = tf.matMul(qMean, l2NormalizeLast(level.means), false, true) as tf.Tensor2D;
      return { maps, image, global };
    });
    const image = tf.div(tf.addN(levels.map((x) => x.image)), levels.length) as tf.Tensor2D;
    return { levels, image };
  });
}
