/**
 * Descending sort of scores that carries one Uint32 payload per score.
 *
 * Every metric here is a sweep over pixels in descending score order, so the whole evaluation sorts once.
 * Float32 scores (anomaly maps, millions of pixels) use a stable LSD radix sort on their IEEE bit patterns:
 * no comparator calls and no per-element objects, linear time. Other inputs (a few hundred image scores)
 * use an index sort with a comparator.
 *
 * Payload convention shared by the metric sweeps: bit 0 = the pixel/image is positive for AUROC and F1
 * (`label >= 1`, see {@link isPositive}); bits 1..31 = PRO region id (0 = outside every region).
 */

/** Scores sorted in descending order with their payloads permuted alongside. */
export interface SortedPairs {
  /** [n] scores, descending; equal scores are adjacent (-0 is folded into +0). */
  values: Float32Array | Float64Array;
  /** [n] payload of the score at the same position. */
  payload: Uint32Array;
}

/**
 * Binary label as numpy's `astype(int)` sees a value in [0, 1]: only 1 is positive, 0.5 is not. Values
 * above 1 (e.g. 255 masks) also count as positive where sklearn would reject them.
 */
export function isPositive(label: number): boolean {
  return label >= 1;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;
const PASSES = 3; // 11 + 11 + 10 bits cover 32-bit keys

/**
 * Sorts `scores` in descending order, permuting `payload` (default: the original indices) with them.
 * Ties keep their input order. Throws on NaN scores, which have no place in a ranking (sklearn rejects
 * them too).
 */
export function sortDescending(scores: ArrayLike<number>, payload?: Uint32Array): SortedPairs {
  const n = scores.length;
  if (payload && payload.length !== n) throw new Error(`payload length ${payload.length} != ${n} scores`);
  const pay = payload ?? identity(n);
  return scores instanceof Float32Array ? radixSortDesc(scores, pay) : comparatorSortDesc(scores, pay);
}

function identity(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function radixSortDesc(scores: Float32Array, pay: Uint32Array): SortedPairs {
  const n = scores.length;
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, n);
  let keys = new Uint32Array(n);
  // All digit histograms in one pass over the keys.
  const hist = new Uint32Array(PASSES * RADIX);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s !== s) throw new Error(`score ${i} is NaN`);
    const b = s === 0 ? 0 : bits[i];
    // Order-preserving map of the float to an unsigned int, then complemented so that ascending keys
    // mean descending scores.
    const k = ~(b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
    keys[i] = k;
    hist[k & RADIX_MASK]++;
    hist[RADIX + ((k >>> RADIX_BITS) & RADIX_MASK)]++;
    hist[2 * RADIX + (k >>> (2 * RADIX_BITS))]++;
  }
  // The caller's payload is only ever read; the passes ping-pong between two owned buffers.
  let src: Uint32Array = pay;
  let dst: Uint32Array = new Uint32Array(n);
  let spare: Uint32Array = new Uint32Array(n);
  let keys2 = new Uint32Array(n);
  for (let p = 0; p < PASSES; p++) {
    const shift = p * RADIX_BITS;
    const h = hist.subarray(p * RADIX, (p + 1) * RADIX);
    // A digit shared by every key leaves the order unchanged; scores in a narrow range skip passes.
    if (n > 0 && h[(keys[0] >>> shift) & RADIX_MASK] === n) continue;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const pos = h[(k >>> shift) & RADIX_MASK]++;
      keys2[pos] = k;
      dst[pos] = src[i];
    }
    [keys, keys2] = [keys2, keys];
    const written = dst;
    dst = src === pay ? spare : src;
    spare = new Uint32Array(0);
    src = written;
  }
  const vals = src === pay ? pay.slice() : src;
  // Decode the keys back to floats in place: sequential threshold reads later, no gather.
  for (let i = 0; i < n; i++) {
    const k = ~keys[i] >>> 0;
    keys[i] = k & 0x80000000 ? k & 0x7fffffff : ~k >>> 0;
  }
  return { values: new Float32Array(keys.buffer, 0, n), payload: vals };
}

function comparatorSortDesc(scores: ArrayLike<number>, pay: Uint32Array): SortedPairs {
  const n = scores.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    if (v !== v) throw new Error(`score ${i} is NaN`);
    s[i] = v === 0 ? 0 : v;
  }
  // Index tie-break makes the order stable like the radix path.
  const order = identity(n).sort((a, b) => s[b] - s[a] || a - b);
  const values = new Float64Array(n);
  const payload = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = s[order[i]];
    payload[i] = pay[order[i]];
  }
  return { values, payload };
}
