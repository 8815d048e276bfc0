import type * as tf from '@tensorflow/tfjs';
import { address, simdFor, simdKernels, type WasmHeap } from './simd';
import { forEachTile } from './winograd-tiles';

/**
 * The WASM backend's Winograd kernels in SIMD (simd.wat), four channels per instruction, on
 * TF.js's own memory: the functions here walk the tiles and hand each tile's addresses to the
 * module. The data transforms need channels contiguous, so the column layout goes through simd.wat's
 * transpose; the filter transform walks along or across w's rows. Each kernel says whether it ran:
 * not where channels do not come in fours, or where the module cannot be instantiated (no SIMD, no
 * memory), and the JS kernels of winograd.ts take over.
 */

/**
 * Runs `f` with the byte address of a row of `channels` zeros in the heap, for positions outside
 * the image (and as a spill row for outputs past its edge).
 */
function withZeroRow<T>(backend: WasmHeap, channels: number, f: (zero: number) => T): T {
  const row = backend.makeOutput([channels], 'float32');
  try {
    backend.typedArrayFromHeap(row).fill(0);
    return f(address(backend, row));
  } finally {
    backend.disposeData(row.dataId);
  }
}

/**
 * Runs `simd`, which writes or reads 16 planes laid out as rows ([T, C]), for `planes` of
 * `layout`: directly for rows; for columns ([C, T]) on transposed copies, made before it for its
 * inputs (`toRows`) or copied back after it for its outputs (`fromRows`) by simd.wat's transpose.
 * The SIMD loops need channels contiguous; the transpose, bound by memory, is still 2–4× faster
 * than the JS loops of the column layout.
 */
export function eitherLayout(
  backend: WasmHeap,
  layout: 'rows' | 'cols',
  planes: tf.TensorInfo[],
  direction: 'toRows' | 'fromRows',
  simd: (rows: tf.TensorInfo[]) => boolean,
): boolean {
  if (layout === 'rows') return simd(planes);
  const kernels = simdKernels(backend);
  if (!kernels || planes[0].shape.some((n) => n % 4 !== 0)) return false;
  const [c, t] = planes[0].shape;
  const rows = planes.map(() => backend.makeOutput([t, c], 'float32'));
  try {
    const copy = (): void =>
      planes.forEach((p, i) => {
        const [cols, row] = [address(backend, p), address(backend, rows[i])];
        if (direction === 'toRows') kernels.transpose(cols, row, c, t);
        else kernels.transpose(row, cols, t, c);
      });
    if (direction === 'toRows') copy();
    if (!simd(rows)) return false;
    if (direction === 'fromRows') copy();
    return true;
  } finally {
    rows.forEach((r) => backend.disposeData(r.dataId));
  }
}

/**
 * The 16 planes (16 × [T, C]) of a tensor t [N,H,W,C] whose tiles are k×k positions from `origin`
 * (out of the image: a zero row), by `kernel`: the input transform, and the output gradient's.
 */
function tilesToPlanes(
  backend: WasmHeap,
  t: tf.TensorInfo,
  planes: tf.TensorInfo[],
  [k, origin]: [number, number],
  kernel: 'input' | 'outputGrad',
): boolean {
  const c = t.shape[3];
  const simd = simdFor(backend, c);
  if (!simd) return false;
  const [from, to] = [address(backend, t), planes.map((p) => address(backend, p))];
  const positions = k * k;
  const args = new Array<number>(positions + 17).fill(4 * c);
  withZeroRow(backend, c, (zero) =>
    forEachTile(t.shape, k, origin, (tile, offsets) => {
      for (let q = 0; q < positions; q++) args[q] = offsets[q] >= 0 ? from + 4 * offsets[q] : zero;
      for (let p = 0; p < 16; p++) args[positions + p] = to[p] + 4 * tile * c;
      simd[kernel](...args);
    }),
  );
  return true;
}

/** V = Bᵀ d B into `planes` (16 × [T, C]), from x [N,H,W,C]: 4×4 tiles from −1 (the padding). */
export function simdInput(backend: WasmHeap, x: tf.TensorInfo, planes: tf.TensorInfo[]): boolean {
  return tilesToPlanes(backend, x, planes, [4, -1], 'input');
}

/** Y = Aᵀ M A into y [N,H,W,C], from `planes` (16 × [T, C]). */
export function simdOutput(backend: WasmHeap, planes: tf.TensorInfo[], y: tf.TensorInfo): boolean {
  const c = y.shape[3];
  const simd = simdFor(backend, c);
  if (!simd) return false;
  const [from, to] = [planes.map((p) => address(backend, p)), address(backend, y)];
  const args = new Array<number>(21).fill(4 * c);
  withZeroRow(backend, c, (spill) =>
    forEachTile(y.shape, 2, 0, (t, offsets) => {
      for (let p = 0; p < 16; p++) args[p] = from[p] + 4 * t * c;
      for (let q = 0; q < 4; q++) args[16 + q] = offsets[q] >= 0 ? to + 4 * offsets[q] : spill;
      simd.output(...args);
    }),
  );
  return true;
}

/** dM = A dY Aᵀ into `planes` (16 × [T, C]), from dy [N,H,W,C]: 2×2 tiles of the output. */
export function simdOutputGrad(backend: WasmHeap, dy: tf.TensorInfo, planes: tf.TensorInfo[]): boolean {
  return tilesToPlanes(backend, dy, planes, [2, 0], 'outputGrad');
}

/** A filter transform's walk: winograd.ts's `filterPlan`. */
export interface FilterPlan {
  order: number[];
  runs: { g0: number; q0: number; outer: [number, number, number]; inner: [number, number, number] }[];
}

/**
 * U = G g Gᵀ into `planes` by `plan` (winograd.ts's `filterPlan`): along w's rows and the planes'
 * rows (output channels inner), or across them (input channels inner, in blocks).
 */
export function simdFilter(
  backend: WasmHeap,
  w: tf.TensorInfo, // [3,3,Cin,Cout]
  planes: tf.TensorInfo[],
  plan: FilterPlan,
): boolean {
  const simd = simdKernels(backend);
  if (!simd) return false;
  const [from, to] = [address(backend, w), plan.order.map((p) => address(backend, planes[p]))];
  const [, , cin, cout] = w.shape;
  const along = plan.runs.every(({ inner: [, g, q] }) => g === 1 && q === 1);
  if (!along) {
    // One call for the whole walk: the blocks of input channels are consecutive.
    const { g0, q0, outer } = plan.runs[0];
    const nIn = plan.runs.reduce((n, run) => n + run.inner[0], 0);
    if (nIn % 4 !== 0 || outer[0] % 4 !== 0) return false;
    const at = to.map((u) => u + 4 * q0);
    simd.filterAcross(from + 4 * g0, 4 * cin * cout, 4 * cout, ...at, 4 * outer[2], nIn, outer[0]);
    return true;
  }
  if (plan.runs.some(({ inner: [count] }) => count % 4 !== 0)) return false;
  const args = new Array<number>(19);
  args[1] = 4 * cin * cout;
  for (const { g0, q0, outer, inner } of plan.runs) {
    args[18] = 4 * inner[0];
    for (let r = 0; r < outer[0]; r++) {
      args[0] = from + 4 * (g0 + r * outer[1]);
      for (let p = 0; p < 16; p++) args[2 + p] = to[p] + 4 * (q0 + r * outer[2]);
      simd.filter(...args);
    }
  }
  return true;
}

/** dw = Gᵀ dU G into dw [3,3,C,Cout], from `planes` (16 × [C, Cout]). */
export function simdFilterGrad(backend: WasmHeap, planes: tf.TensorInfo[], dw: tf.TensorInfo): boolean {
  const taps = dw.shape[2] * dw.shape[3];
  const simd = simdFor(backend, taps);
  if (!simd) return false;
  simd.filterGrad(...planes.map((p) => address(backend, p)), address(backend, dw), 4 * taps, 4 * taps);
  return true;
}
