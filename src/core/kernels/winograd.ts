import * as tf from '@tensorflow/tfjs';
import {
  eitherLayout,
  simdFilter,
  simdFilterGrad,
  simdInput,
  simdOutput,
  simdOutputGrad,
  type FilterPlan,
} from './winograd-simd';
import type { WasmHeap } from './simd';
import { storages, type Storage } from './storage';
import { forEachTile, tileCount } from './winograd-tiles';

/**
 * The transforms of Winograd's F(2×2, 3×3) (Lavin & Gray, 2015) as kernels for the WASM and CPU
 * backends: one pass each over the tensors' storage, where the same arithmetic in TF.js ops would
 * take dozens of passes. The loops here are the reference and the CPU backend's; on WASM the same
 * loops run in SIMD (winograd-simd.ts, simd.wat) and these take over only where channels do
 * not come in fours. The products between the transforms are ordinary matmuls
 * (src/core/nn/winograd.ts).
 *
 * Tiles: the input, padded by 1 on every side, is cut into 4×4 tiles at a step of 2; tile t =
 * (n, i, j) covers output rows 2i, 2i+1 and columns 2j, 2j+1, so there are T = N·⌈H/2⌉·⌈W/2⌉.
 * Sixteen planes, one per point (ξ, ν) of the transformed 4×4 tile, plane p = 4ξ + ν, each laid out
 * as rows ([T, C]) or columns ([C, T]): `Layout`.
 *
 *   V = Bᵀ d B    Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]       (input tile d, 4×4)
 *   Y = Aᵀ M A    Aᵀ = [1 1 1 0; 0 1 -1 -1]                            (output tile Y, 2×2)
 *   dM = A dY Aᵀ                                                       (output gradient, 4×4)
 */

export type Layout = 'rows' | 'cols';

/** Which planes of a filter's transform to make: see `filterTransform`. */
export interface FilterSpec {
  rotated: boolean;
  major: 'in' | 'out';
  start: number;
  size: number;
}

const WINOGRAD_INPUT = 'WinogradInput';
const WINOGRAD_OUTPUT = 'WinogradOutput';
const WINOGRAD_OUTPUT_GRAD = 'WinogradOutputGrad';
const WINOGRAD_FILTER = 'WinogradFilter';
const WINOGRAD_FILTER_GRAD = 'WinogradFilterGrad';

/**
 * The 16 input-transform planes of `x` [N,H,W,C]: each [T, C] ('rows') or [C, T] ('cols').
 */
export function winogradInput(x: tf.Tensor4D, layout: Layout): tf.Tensor2D[] {
  return tf
    .engine()
    .runKernel(WINOGRAD_INPUT, { x }, { layout } as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
}

/**
 * The output [N,H,W,C] from the 16 product planes `m`, each [T, C] ('rows') or [C, T] ('cols').
 */
export function winogradOutput(
  m: tf.Tensor2D[],
  layout: Layout,
  shape: [number, number, number, number],
): tf.Tensor4D {
  const inputs = Object.fromEntries(m.map((t, p) => [`m${p}`, t]));
  return tf
    .engine()
    .runKernel(WINOGRAD_OUTPUT, inputs, { layout, shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * The 16 planes of dM = A dY Aᵀ for an output gradient `dy` [N,H,W,C], each [T, C] ('rows') or
 * [C, T] ('cols'): the output transform's adjoint.
 */
export function winogradOutputGrad(dy: tf.Tensor4D, layout: Layout): tf.Tensor2D[] {
  return tf
    .engine()
    .runKernel(WINOGRAD_OUTPUT_GRAD, { dy }, { layout } as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
}

/** The 16 planes of a 3×3 filter's transform `w` [3,3,Cin,Cout], as `spec` says. */
export function winogradFilter(w: tf.Tensor4D, spec: FilterSpec): tf.Tensor2D[] {
  return tf.engine().runKernel(WINOGRAD_FILTER, { w }, spec as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
}

/** The filter gradient [3,3,C,Cout] from the 16 planes of its transform's gradient, each [C, Cout]. */
export function winogradFilterGrad(du: tf.Tensor2D[]): tf.Tensor4D {
  const inputs = Object.fromEntries(du.map((t, p) => [`du${p}`, t]));
  return tf.engine().runKernel(WINOGRAD_FILTER_GRAD, inputs) as tf.Tensor4D;
}

type Planes = Float32Array[];

/**
 * Calls `visit` for every tile with each of its k×k positions in `data` [N,H,W,C] as an array and
 * an offset: `data` inside the image, else a row of C zeros (read as padding, or written to and
 * dropped), so the loops have no branch; and with where the tile's row starts in a plane of
 * `layout` and the step between its channels there.
 */
function forEachTileIn(
  data: Float32Array,
  shape: readonly number[],
  layout: Layout,
  [k, origin]: [number, number],
  visit: (arrays: Float32Array[], offsets: Int32Array, base: number, step: number) => void,
): void {
  const c = shape[3];
  const tiles = tileCount(shape);
  const blank = new Float32Array(c);
  const arrays = new Array<Float32Array>(k * k);
  const offsets = new Int32Array(k * k);
  forEachTile(shape, k, origin, (t, at) => {
    for (let q = 0; q < k * k; q++) {
      const inside = at[q] >= 0;
      arrays[q] = inside ? data : blank;
      offsets[q] = inside ? at[q] : 0;
    }
    if (layout === 'rows') visit(arrays, offsets, t * c, 1);
    else visit(arrays, offsets, t, tiles);
  });
}

/** V = Bᵀ d B for every tile and channel: 4×4 tiles from −1 (the padding). */
function inputTransform(x: Float32Array, shape: readonly number[], layout: Layout, v: Planes): void {
  forEachTileIn(x, shape, layout, [4, -1], (src, off, base, step) =>
    inputTile(src, off, v, base, step, shape[3]),
  );
}

/** One tile's V for every channel: the loop of `inputTransform`, its arrays as parameters. */
function inputTile(
  src: Float32Array[],
  off: Int32Array,
  v: Planes,
  base: number,
  step: number,
  c: number,
): void {
  const [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15] = v;
  const [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33] = src;
  const [o00, o01, o02, o03, o10, o11, o12, o13, o20, o21, o22, o23, o30, o31, o32, o33] = off;
  for (let ch = 0, o = base; ch < c; ch++, o += step) {
    // Bᵀ d: rows.
    const r00 = s00[o00 + ch] - s20[o20 + ch];
    const r01 = s01[o01 + ch] - s21[o21 + ch];
    const r02 = s02[o02 + ch] - s22[o22 + ch];
    const r03 = s03[o03 + ch] - s23[o23 + ch];
    const r10 = s10[o10 + ch] + s20[o20 + ch];
    const r11 = s11[o11 + ch] + s21[o21 + ch];
    const r12 = s12[o12 + ch] + s22[o22 + ch];
    const r13 = s13[o13 + ch] + s23[o23 + ch];
    const r20 = s20[o20 + ch] - s10[o10 + ch];
    const r21 = s21[o21 + ch] - s11[o11 + ch];
    const r22 = s22[o22 + ch] - s12[o12 + ch];
    const r23 = s23[o23 + ch] - s13[o13 + ch];
    const r30 = s10[o10 + ch] - s30[o30 + ch];
    const r31 = s11[o11 + ch] - s31[o31 + ch];
    const r32 = s12[o12 + ch] - s32[o32 + ch];
    const r33 = s13[o13 + ch] - s33[o33 + ch];
    // (Bᵀ d) B: columns.
    v0[o] = r00 - r02;
    v1[o] = r01 + r02;
    v2[o] = r02 - r01;
    v3[o] = r01 - r03;
    v4[o] = r10 - r12;
    v5[o] = r11 + r12;
    v6[o] = r12 - r11;
    v7[o] = r11 - r13;
    v8[o] = r20 - r22;
    v9[o] = r21 + r22;
    v10[o] = r22 - r21;
    v11[o] = r21 - r23;
    v12[o] = r30 - r32;
    v13[o] = r31 + r32;
    v14[o] = r32 - r31;
    v15[o] = r31 - r33;
  }
}

/** Y = Aᵀ M A for every tile and channel; positions past the image's edge are dropped. */
function outputTransform(m: Planes, layout: Layout, shape: readonly number[], y: Float32Array): void {
  forEachTileIn(y, shape, layout, [2, 0], (dst, off, base, step) =>
    outputTile(m, dst, off, base, step, shape[3]),
  );
}

/** One tile's Y for every channel: the loop of `outputTransform`, its arrays as parameters. */
function outputTile(
  m: Planes,
  dst: Float32Array[],
  off: Int32Array,
  base: number,
  step: number,
  c: number,
): void {
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = m;
  const [d0, d1, d2, d3] = dst;
  const [e0, e1, e2, e3] = off;
  for (let ch = 0, o = base; ch < c; ch++, o += step) {
    // M A: columns.
    const a00 = m0[o] + m1[o] + m2[o];
    const a01 = m1[o] - m2[o] - m3[o];
    const a10 = m4[o] + m5[o] + m6[o];
    const a11 = m5[o] - m6[o] - m7[o];
    const a20 = m8[o] + m9[o] + m10[o];
    const a21 = m9[o] - m10[o] - m11[o];
    const a30 = m12[o] + m13[o] + m14[o];
    const a31 = m13[o] - m14[o] - m15[o];
    // Aᵀ (M A): rows.
    d0[e0 + ch] = a00 + a10 + a20;
    d1[e1 + ch] = a01 + a11 + a21;
    d2[e2 + ch] = a10 - a20 - a30;
    d3[e3 + ch] = a11 - a21 - a31;
  }
}

/** dM = A dY Aᵀ for every tile and channel; positions past the image's edge count as zero. */
function outputGradTransform(dy: Float32Array, shape: readonly number[], layout: Layout, dm: Planes): void {
  forEachTileIn(dy, shape, layout, [2, 0], (src, off, base, step) =>
    outputGradTile(src, off, dm, base, step, shape[3]),
  );
}

/** One tile's dM for every channel: the loop of `outputGradTransform`, its arrays as parameters. */
function outputGradTile(
  src: Float32Array[],
  off: Int32Array,
  dm: Planes,
  base: number,
  step: number,
  c: number,
): void {
  const [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14, d15] = dm;
  const [s0, s1, s2, s3] = src;
  const [e0, e1, e2, e3] = off;
  for (let ch = 0, o = base; ch < c; ch++, o += step) {
    const g00 = s0[e0 + ch];
    const g01 = s1[e1 + ch];
    const g10 = s2[e2 + ch];
    const g11 = s3[e3 + ch];
    // A dY: rows [g0·, g0·+g1·, g0·−g1·, −g1·].
    const sum0 = g00 + g10;
    const sum1 = g01 + g11;
    const dif0 = g00 - g10;
    const dif1 = g01 - g11;
    // (A dY) Aᵀ: the same over columns.
    d0[o] = g00;
    d1[o] = g00 + g01;
    d2[o] = g00 - g01;
    d3[o] = -g01;
    d4[o] = sum0;
    d5[o] = sum0 + sum1;
    d6[o] = sum0 - sum1;
    d7[o] = -sum1;
    d8[o] = dif0;
    d9[o] = dif0 + dif1;
    d10[o] = dif0 - dif1;
    d11[o] = -dif1;
    d12[o] = -g10;
    d13[o] = -g10 - g11;
    d14[o] = g11 - g10;
    d15[o] = g11;
  }
}

/**
 * U = G g Gᵀ of every (in, out) pair of a 3×3 filter w [3,3,Cin,Cout], for the output channels
 * `start`…`start + size` of the filter as convolved: w itself, or (`rotated`) w turned by 180° with
 * its channels swapped, the filter of the input gradient, whose planes are w's with 0 and 3 swapped
 * in both ξ and ν (G with its columns reversed is G with its rows 0 and 3 swapped). Planes are [in, size] (`major` 'in': a
 * product's right-hand side) or [size, in] ('out': a left-hand side).
 *
 *   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 */
function filterTransform(w: Float32Array, shape: readonly number[], spec: FilterSpec, u: Planes): void {
  const plan = filterPlan(shape, spec);
  const planes = plan.order.map((p) => u[p]);
  for (const run of plan.runs)
    filterRun(w, shape[2] * shape[3], run.g0, run.outer, run.inner, run.q0, planes);
}

/** Loops over channel pairs: [count, step in w's taps, step in the planes] each, from g0 and q0. */
type FilterRun = FilterPlan['runs'][number];

/**
 * How `filterTransform` walks w for `spec`: its runs, and which plane each of U's 16 planes is
 * written to (`order`). Writes run along a plane's rows: output channels inner when they are its
 * columns, else input channels in blocks of 16, whose reads from w's rows stay in the cache
 * across the block.
 */
function filterPlan(shape: readonly number[], spec: FilterSpec): FilterPlan {
  const [, , cin, cout] = shape;
  const { rotated, major, start, size } = spec;
  // Ranges over w's channels, and each pair's place in a plane.
  const [ci0, ci1] = rotated ? [start, start + size] : [0, cin];
  const [co0, co1] = rotated ? [0, cout] : [start, start + size];
  const inCount = rotated ? cout : cin;
  const place = (ci: number, co: number): number => {
    const [i, o] = rotated ? [co, ci - start] : [ci, co - start];
    return major === 'in' ? i * size + o : o * inCount + i;
  };
  const flip = (i: number) => (i === 0 ? 3 : i === 3 ? 0 : i);
  const order = Array.from({ length: 16 }, (_, p) => (rotated ? 4 * flip(p >> 2) + flip(p & 3) : p));
  if ((major === 'in') !== rotated) {
    const rowStep = place(ci0 + 1, co0) - place(ci0, co0);
    const run: FilterRun = {
      g0: ci0 * cout + co0,
      q0: place(ci0, co0),
      outer: [ci1 - ci0, cout, rowStep],
      inner: [co1 - co0, 1, 1],
    };
    return { order, runs: [run] };
  }
  const runs: FilterRun[] = [];
  for (let b0 = ci0; b0 < ci1; b0 += 16) {
    const rowStep = place(b0, co0 + 1) - place(b0, co0);
    runs.push({
      g0: b0 * cout + co0,
      q0: place(b0, co0),
      outer: [co1 - co0, 1, rowStep],
      inner: [Math.min(ci1, b0 + 16) - b0, cout, 1],
    });
  }
  return { order, runs };
}

/**
 * U of channel pairs in two nested loops, each [count, step in w's taps, step in the planes],
 * from g0 in w's taps and q0 in the planes. The planes are parameters, not captured, so the loop
 * reads them from registers.
 */
function filterRun(
  w: Float32Array,
  taps: number,
  g0: number,
  [outerCount, outerG, outerQ]: [number, number, number],
  [innerCount, innerG, innerQ]: [number, number, number],
  q0: number,
  [u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15]: Planes,
): void {
  for (let r = 0; r < outerCount; r++)
    for (let n = 0, g = g0 + r * outerG, q = q0 + r * outerQ; n < innerCount; n++, g += innerG, q += innerQ) {
      const g00 = w[g];
      const g01 = w[g + taps];
      const g02 = w[g + 2 * taps];
      const g10 = w[g + 3 * taps];
      const g11 = w[g + 4 * taps];
      const g12 = w[g + 5 * taps];
      const g20 = w[g + 6 * taps];
      const g21 = w[g + 7 * taps];
      const g22 = w[g + 8 * taps];
      // G g: rows.
      const h1 = 0.5 * (g00 + g20);
      const h2 = 0.5 * (g01 + g21);
      const h3 = 0.5 * (g02 + g22);
      const r10 = h1 + 0.5 * g10;
      const r11 = h2 + 0.5 * g11;
      const r12 = h3 + 0.5 * g12;
      const r20 = h1 - 0.5 * g10;
      const r21 = h2 - 0.5 * g11;
      const r22 = h3 - 0.5 * g12;
      // (G g) Gᵀ: columns.
      u0[q] = g00;
      u1[q] = 0.5 * (g00 + g01 + g02);
      u2[q] = 0.5 * (g00 - g01 + g02);
      u3[q] = g02;
      u4[q] = r10;
      u5[q] = 0.5 * (r10 + r11 + r12);
      u6[q] = 0.5 * (r10 - r11 + r12);
      u7[q] = r12;
      u8[q] = r20;
      u9[q] = 0.5 * (r20 + r21 + r22);
      u10[q] = 0.5 * (r20 - r21 + r22);
      u11[q] = r22;
      u12[q] = g20;
      u13[q] = 0.5 * (g20 + g21 + g22);
      u14[q] = 0.5 * (g20 - g21 + g22);
      u15[q] = g22;
    }
}

/** The filter gradient dw = Gᵀ dU G [3,3,C,Cout] from 16 planes dU [C, Cout]: the adjoint of U. */
function filterGradTransform(du: Planes, dw: Float32Array): void {
  const taps = du[0].length;
  const [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14, d15] = du;
  for (let q = 0; q < taps; q++) {
    // Gᵀ dU: rows [dU0 + ½(dU1 + dU2), ½(dU1 − dU2), ½(dU1 + dU2) + dU3].
    const p0 = 0.5 * (d4[q] + d8[q]);
    const p1 = 0.5 * (d5[q] + d9[q]);
    const p2 = 0.5 * (d6[q] + d10[q]);
    const p3 = 0.5 * (d7[q] + d11[q]);
    const s00 = d0[q] + p0;
    const s01 = d1[q] + p1;
    const s02 = d2[q] + p2;
    const s03 = d3[q] + p3;
    const s10 = 0.5 * (d4[q] - d8[q]);
    const s11 = 0.5 * (d5[q] - d9[q]);
    const s12 = 0.5 * (d6[q] - d10[q]);
    const s13 = 0.5 * (d7[q] - d11[q]);
    const s20 = p0 + d12[q];
    const s21 = p1 + d13[q];
    const s22 = p2 + d14[q];
    const s23 = p3 + d15[q];
    // (Gᵀ dU) G: the same over columns.
    dw[q] = s00 + 0.5 * (s01 + s02);
    dw[q + taps] = 0.5 * (s01 - s02);
    dw[q + 2 * taps] = 0.5 * (s01 + s02) + s03;
    dw[q + 3 * taps] = s10 + 0.5 * (s11 + s12);
    dw[q + 4 * taps] = 0.5 * (s11 - s12);
    dw[q + 5 * taps] = 0.5 * (s11 + s12) + s13;
    dw[q + 6 * taps] = s20 + 0.5 * (s21 + s22);
    dw[q + 7 * taps] = 0.5 * (s21 - s22);
    dw[q + 8 * taps] = 0.5 * (s21 + s22) + s23;
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

const planeShape = (layout: Layout, tiles: number, channels: number): number[] =>
  layout === 'rows' ? [tiles, channels] : [channels, tiles];

function checkFloat(t: tf.TensorInfo, kernel: string): void {
  if (t.dtype !== 'float32') throw new Error(`${kernel}: float32 only, got ${t.dtype}`);
}

/**
 * A kernel from one tensor [N,H,W,C] to its 16 planes in the layout `attrs` name: by the JS loops
 * `js`, or on WASM by `simd` (which writes rows; columns go through a transpose).
 */
function toPlanes(
  s: Storage,
  t: tf.TensorInfo,
  kernel: string,
  attrs: KernelArgs['attrs'],
  js: (data: Float32Array, shape: readonly number[], layout: Layout, planes: Planes) => void,
  simd: (heap: WasmHeap, t: tf.TensorInfo, rows: tf.TensorInfo[]) => boolean,
): tf.TensorInfo[] {
  checkFloat(t, kernel);
  const { layout } = attrs as unknown as { layout: Layout };
  return s.write(
    Array(16).fill(planeShape(layout, tileCount(t.shape), t.shape[3])),
    (planes) => js(s.read(t), t.shape, layout, planes),
    (heap, planes) => eitherLayout(heap, layout, planes, 'fromRows', (rows) => simd(heap, t, rows)),
  );
}

const kernels: Record<string, (s: Storage, args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
  [WINOGRAD_INPUT]: (s, { inputs, attrs }) =>
    toPlanes(s, inputs.x as tf.TensorInfo, WINOGRAD_INPUT, attrs, inputTransform, simdInput),
  [WINOGRAD_OUTPUT]: (s, { inputs, attrs }) => {
    const m = Array.from({ length: 16 }, (_, p) => inputs[`m${p}`] as tf.TensorInfo);
    m.forEach((t) => checkFloat(t, WINOGRAD_OUTPUT));
    const { layout, shape } = attrs as unknown as { layout: Layout; shape: number[] };
    const want = planeShape(layout, tileCount(shape), shape[3]).join(',');
    if (m.some((t) => t.shape.join(',') !== want))
      throw new Error(`${WINOGRAD_OUTPUT}: planes must be [${want}] for an output of [${shape.join(',')}]`);
    return s.write(
      [shape],
      ([y]) =>
        outputTransform(
          m.map((t) => s.read(t)),
          layout,
          shape,
          y,
        ),
      (heap, [y]) => eitherLayout(heap, layout, m, 'toRows', (rows) => simdOutput(heap, rows, y)),
    )[0];
  },
  [WINOGRAD_OUTPUT_GRAD]: (s, { inputs, attrs }) =>
    toPlanes(s, inputs.dy as tf.TensorInfo, WINOGRAD_OUTPUT_GRAD, attrs, outputGradTransform, simdOutputGrad),
  [WINOGRAD_FILTER]: (s, { inputs, attrs }) => {
    const w = inputs.w as tf.TensorInfo;
    checkFloat(w, WINOGRAD_FILTER);
    const [k, k2, cin, cout] = w.shape;
    if (k !== 3 || k2 !== 3)
      throw new Error(`${WINOGRAD_FILTER}: 3×3 filters only, got [${w.shape.join(',')}]`);
    const spec = attrs as unknown as FilterSpec;
    const inCount = spec.rotated ? cout : cin;
    const shape = spec.major === 'in' ? [inCount, spec.size] : [spec.size, inCount];
    return s.write(
      Array(16).fill(shape),
      (u) => filterTransform(s.read(w), w.shape, spec, u),
      (heap, u) => simdFilter(heap, w, u, filterPlan(w.shape, spec)),
    );
  },
  [WINOGRAD_FILTER_GRAD]: (s, { inputs }) => {
    const du = Array.from({ length: 16 }, (_, p) => inputs[`du${p}`] as tf.TensorInfo);
    du.forEach((t) => checkFloat(t, WINOGRAD_FILTER_GRAD));
    const [c, cout] = du[0].shape;
    return s.write(
      [[3, 3, c, cout]],
      ([dw]) =>
        filterGradTransform(
          du.map((t) => s.read(t)),
          dw,
        ),
      (heap, [dw]) => simdFilterGrad(heap, du, dw),
    )[0];
  },
};

let registered = false;

/** Registers the five kernels for WASM and CPU. Idempotent. */
export function registerWinogradKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, run] of Object.entries(kernels))
    for (const [backendName, storage] of Object.entries(storages))
      tf.registerKernel({ kernelName, backendName, kernelFunc: (args) => run(storage(args.backend), args) });
}
