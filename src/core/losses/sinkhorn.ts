import * as tf from '@tensorflow/tfjs';

/**
 * Debiased Sinkhorn divergence between two uniform point clouds, re-derived from geomloss 0.2.6
 * `SamplesLoss('sinkhorn', p=2, blur, diameter, scaling, debias=True)` on its "tensorized" backend
 * (see ../../../../shared/golden/README.md, "What geomloss does here").
 *
 * A 2-D input [N,D] is N points (Diracs of weight 1/N) in D dimensions. The ε-annealed symmetric
 * loop runs without gradient, so it is done here in plain float64 JS on the four small cost
 * matrices (N×M, M×N, N×N, M×M — the batch size squared in this project), read back in one
 * transfer. Only the final "extrapolation" step is on the TF.js tape, with the loop's duals as
 * constants, so the gradient flows through the cost matrices exactly as geomloss' envelope-theorem
 * gradient does. The float64 loop gives potentials that differ from geomloss' fp32 ones by a
 * constant (F + c, G − c), to which the value and the gradients are invariant.
 */

export interface SinkhornOptions {
  /** Target blur σ; the last ε is blur^p. */
  blur: number;
  /** First ε is diameter^p (geomloss skips its diameter estimate when this is given). */
  diameter: number;
  /** ε shrinks by scaling^p per iteration. */
  scaling: number;
}

/** The parameters of the reference `Separation_loss` (p = 2 is fixed by the cost ½‖u−v‖²). */
export const REFERENCE_SINKHORN: SinkhornOptions = { blur: 0.05, diameter: 1e7, scaling: 0.95 };

const P = 2;

/**
 * geomloss' `epsilon_schedule`: [diameter^p] + exp(numpy.arange(p·ln diameter, p·ln blur,
 * p·ln scaling)) + [blur^p]. numpy's arange fills element i as start + i·delta with
 * delta = (start + step) − start, reproduced here so the list matches bit for bit.
 */
export function epsilonSchedule(opts: SinkhornOptions = REFERENCE_SINKHORN): number[] {
  const start = P * Math.log(opts.diameter);
  const stop = P * Math.log(opts.blur);
  const step = P * Math.log(opts.scaling);
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = [opts.diameter ** P];
  const delta = start + step - start;
  for (let i = 0; i < len; i++)
    out.push(Math.exp(i === 0 ? start : i === 1 ? start + step : start + i * delta));
  out.push(opts.blur ** P);
  return out;
}

/** Loop outputs (geomloss names): f_ba, g_ab (cross) and f_aa, g_bb (debias) potentials. */
export interface SinkhornDuals {
  fBa: Float64Array; // [N]
  gAb: Float64Array; // [M]
  fAa: Float64Array; // [N]
  gBb: Float64Array; // [M]
}

/** Row-major cost matrices as read back from the device. */
export interface CostArrays {
  xy: ArrayLike<number>; // [N,M]
  yx: ArrayLike<number>; // [M,N]
  xx: ArrayLike<number>; // [N,N]
  yy: ArrayLike<number>; // [M,M]
}

/** out_i = −ε·logsumexp_j(h_j − C_ij/ε), in float64. */
function softminInto(
  out: Float64Array,
  eps: number,
  c: ArrayLike<number>,
  rows: number,
  cols: number,
  h: Float64Array,
): void {
  const t = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) {
      t[j] = h[j] - c[i * cols + j] / eps;
      if (t[j] > mx) mx = t[j];
    }
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(t[j] - mx);
    out[i] = -eps * (mx + Math.log(s));
  }
}

/** h_j = log w + f_j/ε (uniform weights w). */
function shifted(logW: number, f: Float64Array, eps: number): Float64Array {
  const h = new Float64Array(f.length);
  for (let j = 0; j < f.length; j++) h[j] = logW + f[j] / eps;
  return h;
}

/** geomloss' symmetric, damped (½-averaged) ε-scaling loop, autograd off; pure float64 JS. */
export function sinkhornLoop(costs: CostArrays, n: number, m: number, epsList: number[]): SinkhornDuals {
  const la = Math.log(1 / n);
  const lb = Math.log(1 / m);
  const eps0 = epsList[0];
  const fBa = new Float64Array(n);
  const gAb = new Float64Array(m);
  const fAa = new Float64Array(n);
  const gBb = new Float64Array(m);
  softminInto(fBa, eps0, costs.xy, n, m, new Float64Array(m).fill(lb));
  softminInto(gAb, eps0, costs.yx, m, n, new Float64Array(n).fill(la));
  softminInto(fAa, eps0, costs.xx, n, n, new Float64Array(n).fill(la));
  softminInto(gBb, eps0, costs.yy, m, m, new Float64Array(m).fill(lb));
  const ftBa = new Float64Array(n);
  const gtAb = new Float64Array(m);
  const ftAa = new Float64Array(n);
  const gtBb = new Float64Array(m);
  for (const eps of epsList) {
    softminInto(ftBa, eps, costs.xy, n, m, shifted(lb, gAb, eps));
    softminInto(gtAb, eps, costs.yx, m, n, shifted(la, fBa, eps));
    softminInto(ftAa, eps, costs.xx, n, n, shifted(la, fAa, eps));
    softminInto(gtBb, eps, costs.yy, m, m, shifted(lb, gBb, eps));
    for (let i = 0; i < n; i++) {
      fBa[i] = 0.5 * (fBa[i] + ftBa[i]);
      fAa[i] = 0.5 * (fAa[i] + ftAa[i]);
    }
    for (let j = 0; j < m; j++) {
      gAb[j] = 0.5 * (gAb[j] + gtAb[j]);
      gBb[j] = 0.5 * (gBb[j] + gtBb[j]);
    }
  }
  return { fBa, gAb, fAa, gBb };
}

/**
 * Identity whose gradient is zero: TF.js has no stopGradient op. Used for the detached second
 * argument of every cost matrix (geomloss' `C(x, y.detach())`).
 */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * ‖u_i‖² per row, [N,D] → [N], keeping only u for the gradient (2u·dy): as mul + sum, the tape would
 * also keep the [N,D] product for Sum's gradient (D is a whole fused level here, up to 1 M).
 */
const rowSquares = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [u, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  save([u]);
  return {
    value: tf.sum(tf.square(u), 1),
    gradFunc: (dy: tf.Tensor, [us]: tf.Tensor[]) => tf.mul(tf.reshape(dy, [-1, 1]), tf.mul(us, 2)),
  };
}) as (u: tf.Tensor2D) => tf.Tensor1D;

/** C(u, stop(v)) = ½(‖u‖² − 2⟨u,v⟩ + ‖v‖²) → [N,M], the order of terms geomloss uses. */
function cost(
  u: tf.Tensor2D, // [N,D], differentiable
  v: tf.Tensor2D, // [M,D], detached
): tf.Tensor2D {
  return tf.tidy(() => {
    const uu = tf.reshape(rowSquares(u), [-1, 1]); // [N,1]
    const vv = tf.reshape(rowSquares(v), [1, -1]); // [1,M]
    const uv = tf.matMul(u, v, false, true);
    return tf.mul(tf.add(tf.sub(uu, tf.mul(uv, 2)), vv), 0.5) as tf.Tensor2D;
  });
}

interface CostTensors {
  xy: tf.Tensor2D;
  yx: tf.Tensor2D;
  xx: tf.Tensor2D;
  yy: tf.Tensor2D;
}

function costTensors(x: tf.Tensor2D, y: tf.Tensor2D): CostTensors {
  const xd = stopGradient(x) as tf.Tensor2D;
  const yd = stopGradient(y) as tf.Tensor2D;
  return { xy: cost(x, yd), yx: cost(y, xd), xx: cost(x, xd), yy: cost(y, yd) };
}

/** All four matrices flattened into one tensor so the read-back is one transfer. */
function packCosts(c: CostTensors): tf.Tensor1D {
  return tf.concat([c.xy, c.yx, c.xx, c.yy].map((t) => tf.reshape(t, [-1]))) as tf.Tensor1D;
}

/** Length of `sinkhornCosts(x, y)` for N and M points: 2NM + N² + M². */
export function sinkhornCostsLength(n: number, m: number): number {
  return 2 * n * m + n * n + m * m;
}

/**
 * The four cost matrices the ε-loop needs, flattened into one [2NM + N² + M²] tensor, so a caller
 * can read them (with other small tensors) in one async transfer and pass the values to
 * `sinkhornDualsFromCosts`. No gradient is needed through it.
 */
export function sinkhornCosts(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
): tf.Tensor1D {
  return tf.tidy(() => packCosts(costTensors(x, y)));
}

/** The ε-annealed loop (plain JS) on costs read from `sinkhornCosts`. */
export function sinkhornDualsFromCosts(
  flat: Float32Array, // [2NM + N² + M²]
  n: number,
  m: number,
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): SinkhornDuals {
  if (flat.length !== sinkhornCostsLength(n, m))
    throw new Error(`sinkhorn: ${flat.length} cost values for N=${n}, M=${m}`);
  return sinkhornLoop(unpackCosts(flat, n, m), n, m, epsilonSchedule(opts));
}

function unpackCosts(flat: Float32Array, n: number, m: number): CostArrays {
  const a = n * m;
  return {
    xy: flat.subarray(0, a),
    yx: flat.subarray(a, 2 * a),
    xx: flat.subarray(2 * a, 2 * a + n * n),
    yy: flat.subarray(2 * a + n * n, 2 * a + n * n + m * m),
  };
}

/** Constant h = log w + f/ε as an fp32 tensor (computed in float64 first). */
function hConst(logW: number, f: Float64Array, eps: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(shifted(logW, f, eps)), [1, f.length]);
}

/** −ε·logsumexp_j(h_j − C_ij/ε) on the tape → [rows]. */
function softminTf(eps: number, c: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor1D {
  return tf.mul(tf.logSumExp(tf.sub(h, tf.div(c, eps)), 1), -eps) as tf.Tensor1D;
}

export interface SinkhornResult {
  value: tf.Scalar;
  /** F = f_ba − f_aa, defined up to (F + c, G − c). */
  F: tf.Tensor1D; // [N]
  /** G = g_ab − g_bb. */
  G: tf.Tensor1D; // [M]
}

function extrapolate(
  c: CostTensors,
  duals: SinkhornDuals,
  n: number,
  m: number,
  epsLast: number,
): SinkhornResult {
  const la = Math.log(1 / n);
  const lb = Math.log(1 / m);
  const fBa = softminTf(epsLast, c.xy, hConst(lb, duals.gAb, epsLast));
  const gAb = softminTf(epsLast, c.yx, hConst(la, duals.fBa, epsLast));
  const fAa = softminTf(epsLast, c.xx, hConst(la, duals.fAa, epsLast));
  const gBb = softminTf(epsLast, c.yy, hConst(lb, duals.gBb, epsLast));
  const F = tf.sub(fBa, fAa) as tf.Tensor1D;
  const G = tf.sub(gAb, gBb) as tf.Tensor1D;
  const value = tf.add(tf.mean(F), tf.mean(G)) as tf.Scalar;
  return { value, F, G };
}

/**
 * Value and potentials, differentiable w.r.t. x and y, in one call. Synchronous: reads the cost
 * matrices back with one dataSync inside the tape, so it stalls a GPU queue. Kept for the
 * gradient tests and offline use; the trainer uses the two-phase API below (costs read
 * asynchronously before the tape, `sinkhornFromDuals` on it).
 */
export function sinkhornPotentials(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): SinkhornResult {
  const [n] = x.shape;
  const [m] = y.shape;
  const epsList = epsilonSchedule(opts);
  return tf.tidy(() => {
    const c = costTensors(x, y);
    const flat = packCosts(c);
    const duals = sinkhornLoop(unpackCosts(flat.dataSync() as Float32Array, n, m), n, m, epsList);
    const r = extrapolate(c, duals, n, m, epsList[epsList.length - 1]);
    return r as unknown as tf.TensorContainerObject;
  }) as unknown as SinkhornResult;
}

/** S_ε(x, y) as a scalar on the tape (see sinkhornPotentials). */
export function sinkhornDivergence(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): tf.Scalar {
  return tf.tidy(() => sinkhornPotentials(x, y, opts).value);
}

/**
 * Async half of the two-phase API: runs the loop on values read with `await data()` (no tape, no
 * blocking read). Pass the result to `sinkhornFromDuals` with the same x, y inside the gradient
 * closure.
 */
export async function sinkhornDualsAsync(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): Promise<SinkhornDuals> {
  const flat = sinkhornCosts(x, y);
  const data = (await flat.data()) as Float32Array;
  flat.dispose();
  return sinkhornDualsFromCosts(data, x.shape[0], y.shape[0], opts);
}

/** Synchronous, tape-friendly second half: the final extrapolation step with given duals. */
export function sinkhornFromDuals(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
  duals: SinkhornDuals,
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): SinkhornResult {
  const epsList = epsilonSchedule(opts);
  return tf.tidy(
    () =>
      extrapolate(
        costTensors(x, y),
        duals,
        x.shape[0],
        y.shape[0],
        epsList[epsList.length - 1],
      ) as unknown as tf.TensorContainerObject,
  ) as unknown as SinkhornResult;
}

/** Forward-only convenience (evaluation, logging): no blocking read. */
export async function sinkhornDivergenceAsync(
  x: tf.Tensor2D, // [N,D]
  y: tf.Tensor2D, // [M,D]
  opts: SinkhornOptions = REFERENCE_SINKHORN,
): Promise<tf.Scalar> {
  const duals = await sinkhornDualsAsync(x, y, opts);
  const r = sinkhornFromDuals(x, y, duals, opts);
  r.F.dispose();
  r.G.dispose();
  return r.value;
}
