import * as tf from '@tensorflow/tfjs';
import { matMul } from '../nn/matmul';

/**
 * L_SE, the separation triplet loss on the updatable memories.
 *
 * mode 'reference' (the authors' `triplet_loss`): per level, with memory M [L,H,W,C] (NHWC here)
 *   and index rows I [B,3] from topk of a diff bank,
 *   gather(M, I)[n,j] = mean_{h,w} M[n, h, w, I[n,j]] — memory item n = batch row n, channel I[n,j]
 *   (torch.gather along dim 1 with an index of batch size B). anchor = gather(normal, topk(D_n)),
 *   positive = gather(abnormal, topk(D_n)), negative = gather(abnormal, topk(D_a)), each divided by
 *   its L2 norm, then TripletMarginLoss(margin 1): mean_n max(0, 1 + ‖a−p+1e-6‖ − ‖a−n+1e-6‖).
 *   When both banks give the same top-3 order, positive ≡ negative and the loss is exactly
 *   margin per level with zero gradient.
 *
 * mode 'paper' (our reading of Eq. 11): D [B,L] indexes memory *items* (Sec. 4.2: "L difference
 *   information"), so topk(M_u; D) takes the k items with the largest difference, each averaged over
 *   (H,W) and L2-normalised over channels → [B,k,C].
 *   S^a (anchor, "anomaly part of a normal image")   = items topk(D_n) of the normal memory,
 *   S^p (positive, "anomaly part of an anomaly image") = items topk(D_a) of the abnormal memory,
 *   S^n (negative, "normal part of a normal image")    = items bottomk(D_n) of the normal memory
 *   (Eq. 11 prints S^n with the same formula as S^p, which would make the loss constant; we follow
 *   the text's description). Loss per level: mean_n max(0, ‖S^a−S^p‖² − ‖S^a−S^n‖² + η), η = 1,
 *   squared distances over (k, C), summed over levels.
 *
 * Gathers are one-hot products built from the (constant) indices: tf.gather has no gradient on
 * WASM, and no backend differentiates TopK, whose indices are constants here anyway.
 */

export type TripletMode = 'reference' | 'paper';

/** What decides whether the reference triplet is defined for a step. */
export interface ReferenceTripletShape {
  /** Columns of the reference diff bank: levels · (memory items // 3). */
  diffWidth: number;
  /** Channels of the narrowest tapped teacher layer. */
  minChannels: number;
  batch: number;
  memoryItems: number;
}

/**
 * Why the reference triplet cannot run for `s`, as a note for the user, or null when it can. Its
 * top-3 diff-bank columns are used as channel indices of every tapped layer, and batch row n reads
 * memory item n (see above).
 */
export function referenceTripletSkipNote(s: ReferenceTripletShape): string | null {
  const why: string[] = [];
  if (s.diffWidth > s.minChannels)
    why.push(
      `its indices run over the ${s.diffWidth} columns of the diff bank (from ${s.memoryItems} memory items) ` +
        `and pick channels, so every tapped teacher layer needs at least ${s.diffWidth} channels ` +
        `(this teacher's narrowest has ${s.minChannels}; fewer memory items or a wider teacher lift this)`,
    );
  if (s.batch > s.memoryItems)
    why.push(
      `batch image n reads memory item n, so a batch may hold at most ${s.memoryItems} images ` +
        `(this one holds ${s.batch})`,
    );
  return why.length === 0 ? null : `Reference L_SE skipped: ${why.join('; and ')}.`;
}

export interface TripletOptions {
  mode: TripletMode;
  /** Number of indices taken from each diff bank (the reference's 3). */
  k: number;
  /** Triplet margin (reference: TripletMarginLoss margin 1; paper: η = 1). */
  margin: number;
}

export const REFERENCE_TRIPLET: TripletOptions = { mode: 'reference', k: 3, margin: 1 };

/**
 * A diff bank [B, width] as rows. The ranking only yields constant indices, so callers read the
 * (tiny) tensor asynchronously before the tape instead of blocking inside it.
 */
export type DiffBank = number[][];

export interface TripletResult {
  perLevel: tf.Scalar[];
  total: tf.Scalar;
}

/** torch.nn.functional.pairwise_distance's eps, added to the difference. */
const PD_EPS = 1e-6;

/** Indices of the k largest (descending) or smallest (ascending) entries of each row. */
export function topkIndices(bank: number[][], k: number, largest = true): number[][] {
  return bank.map((row) => {
    if (k > row.length) throw new Error(`topk: k=${k} > width ${row.length}`);
    const idx = row.map((_, i) => i);
    idx.sort((i, j) => (largest ? row[j] - row[i] : row[i] - row[j]) || i - j);
    return idx.slice(0, k);
  });
}

/** One-hot [B,k,width] of index rows. */
function oneHot3(idx: number[][], width: number): tf.Tensor3D {
  const b = idx.length;
  const k = idx[0].length;
  const v = new Float32Array(b * k * width);
  idx.forEach((r, n) => r.forEach((c, j) => (v[(n * k + j) * width + c] = 1)));
  return tf.tensor3d(v, [b, k, width]);
}

/** Reference gather: [B,k], entry (n,j) = mean_{h,w} M[n,h,w,I[n,j]]. */
function gatherItemChannels(
  mem: tf.Tensor4D, // [L,H,W,C]
  idx: number[][], // [B][k] channel indices
): tf.Tensor2D {
  const [l, , , c] = mem.shape;
  const b = idx.length;
  if (b > l) throw new Error(`triplet: batch ${b} > memory items ${l}`);
  const means = tf.slice(tf.mean(mem, [1, 2]), [0, 0], [b, c]); // [B,C]
  return tf.sum(tf.mul(oneHot3(idx, c), tf.expandDims(means, 1)), 2) as tf.Tensor2D;
}

/** Paper gather: [B,k,C], row (n,j) = mean_{h,w} M[I[n,j]]. */
function gatherItems(
  mem: tf.Tensor4D, // [L,H,W,C]
  idx: number[][], // [B][k] item indices
): tf.Tensor3D {
  const [l, , , c] = mem.shape;
  const means = tf.mean(mem, [1, 2]) as tf.Tensor2D; // [L,C]
  const oh = tf.reshape(oneHot3(idx, l), [-1, l]) as tf.Tensor2D; // [B·k, L]
  return tf.reshape(matMul(oh, means), [idx.length, idx[0].length, c]);
}

/** x / ‖x‖ over the last axis, no eps (the reference's `norm`). */
function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.norm(x, 'euclidean', -1, true));
}

function pairwiseDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.norm(tf.add(tf.sub(a, b), PD_EPS), 'euclidean', 1) as tf.Tensor1D;
}

export function tripletLoss(
  normalMem: tf.Tensor4D[], // per level [L,H,W,C]
  normalDiff: DiffBank, // [B, width]
  abnormalMem: tf.Tensor4D[], // per level [L,H,W,C]
  abnormalDiff: DiffBank, // [B, width]
  options: Partial<TripletOptions> = {},
): TripletResult {
  const opts = { ...REFERENCE_TRIPLET, ...options };
  const dn = normalDiff;
  const da = abnormalDiff;
  const nTop = topkIndices(dn, opts.k);
  const aTop = topkIndices(da, opts.k);
  const nBottom = topkIndices(dn, opts.k, false);
  const perLevel = normalMem.map((mn, l) =>
    tf.tidy(() => {
      const ma = abnormalMem[l];
      if (opts.mode === 'reference') {
        const a = l2normalize(gatherItemChannels(mn, nTop)) as tf.Tensor2D;
        const p = l2normalize(gatherItemChannels(ma, nTop)) as tf.Tensor2D;
        const n = l2normalize(gatherItemChannels(ma, aTop)) as tf.Tensor2D;
        const h = tf.add(tf.sub(pairwiseDistance(a, p), pairwiseDistance(a, n)), opts.margin);
        return tf.mean(tf.relu(h)) as tf.Scalar;
      }
      if (Math.max(...nTop.flat(), ...aTop.flat(), ...nBottom.flat()) >= mn.shape[0]) {
        throw new Error('triplet (paper): diff-bank index beyond the memory items');
      }
      const a = l2normalize(gatherItems(mn, nTop));
      const p = l2normalize(gatherItems(ma, aTop));
      const n = l2normalize(gatherItems(mn, nBottom));
      const dap = tf.sum(tf.square(tf.sub(a, p)), [1, 2]);
      const dan = tf.sum(tf.square(tf.sub(a, n)), [1, 2]);
      return tf.mean(tf.relu(tf.add(tf.sub(dap, dan), opts.margin))) as tf.Scalar;
    }),
  );
  const total = tf.addN(perLevel) as tf.Scalar;
  return { perLevel, total };
}
