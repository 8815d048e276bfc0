import * as tf from '@tensorflow/tfjs';

/**
 * Distance of each query row to its nearest memory row, brute force with TF.js:
 * ‖q − m‖² = ‖q‖² − 2 q·m + ‖m‖², so each block is one matrix product. The queries and the memory
 * are both cut into blocks whose distance matrix holds at most `blockElements` values, and the
 * minimum runs over memory blocks, so a 256 px batch against a 20k-patch memory never materialises
 * the whole [queries, memory] matrix.
 */

export interface NearestOptions {
  /** Largest distance block, in values (default 2^22: 16 MiB of float32). */
  blockElements?: number;
}

const DEFAULT_BLOCK = 1 << 22;

/** A memory prepared for repeated searches: its rows and their squared norms. */
export interface SearchMemory {
  rows: tf.Tensor2D; // [M,D]
  squaredNorms: tf.Tensor2D; // [1,M]
}

/** The caller owns the result (and keeps owning `rows`). */
export function prepareMemory(rows: tf.Tensor2D /* [M,D] */): SearchMemory {
  if (rows.shape[0] === 0) throw new Error('nearest: the memory is empty');
  return { rows, squaredNorms: tf.tidy(() => tf.reshape(tf.sum(tf.square(rows), 1), [1, -1])) };
}

/** Euclidean distance of each query to its nearest memory row → [Q]. The caller owns the result. */
export function nearestDistances(
  queries: tf.Tensor2D, // [Q,D]
  memory: SearchMemory,
  options: NearestOptions = {},
): tf.Tensor1D {
  const [q, d] = queries.shape;
  const [m, dm] = memory.rows.shape;
  if (d !== dm) throw new Error(`nearest: queries have ${d} channels, the memory ${dm}`);
  const budget = Math.max(1, options.blockElements ?? DEFAULT_BLOCK);
  const memoryBlock = Math.max(1, Math.min(m, Math.floor(budget / Math.min(q, 1024))));
  const queryBlock = Math.max(1, Math.min(q, Math.floor(budget / memoryBlock)));
  const parts: tf.Tensor1D[] = [];
  for (let q0 = 0; q0 < q; q0 += queryBlock) {
    const rows = Math.min(queryBlock, q - q0);
    const block = rows === q ? queries : tf.slice(queries, [q0, 0], [rows, d]);
    const blockNorms = tf.tidy(() => tf.sum(tf.square(block), 1, true)); // [rows,1]
    const scaled = tf.mul(block, -2); // [rows,D]: the −2 folded into the product's smaller operand
    // One block's intermediates at a time: each is freed before the next memory block is read.
    let best: tf.Tensor1D | null = null;
    for (let m0 = 0; m0 < m; m0 += memoryBlock) {
      const cols = Math.min(memoryBlock, m - m0);
      const low = tf.tidy(() => {
        const mem = cols === m ? memory.rows : tf.slice(memory.rows, [m0, 0], [cols, d]);
        const norms = cols === m ? memory.squaredNorms : tf.slice(memory.squaredNorms, [0, m0], [1, cols]);
        // [rows,cols] squared distances, reduced to their minimum over the block's memory rows.
        const d2 = tf.add(tf.add(tf.matMul(scaled, mem, false, true), blockNorms), norms);
        return tf.min(d2, 1) as tf.Tensor1D;
      });
      if (best) {
        const both: tf.Tensor1D = tf.minimum(best, low);
        tf.dispose([best, low]);
        best = both;
      } else best = low;
    }
    // Cancellation can leave a tiny negative square where a query equals a memory row.
    const closest = best!;
    parts.push(tf.tidy(() => tf.sqrt(tf.relu(closest))));
    tf.dispose([closest, blockNorms, scaled, ...(block === queries ? [] : [block])]);
  }
  if (parts.length === 1) return parts[0];
  const out = tf.concat(parts) as tf.Tensor1D;
  tf.dispose(parts);
  return out;
}
