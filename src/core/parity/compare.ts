import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../io/safetensors';

/**
 * Error measures of the golden README ("Observed tolerances"), shared by the in-browser parity run
 * and the Node tests. Reads are async so they work on WebGPU without a blocking readSync.
 */

export type Fixture = Map<string, NamedArray>;

/** How `error` was measured. */
export type ErrorKind =
  /** max|a−b| / max|ref| over the tensor. */
  | 'range'
  /** |a−b| / |ref| of a scalar. */
  | 'scalar'
  /** |a|: the reference is ≈ 0 (the permutation-Sinkhorn terms), compared as an absolute bound. */
  | 'abs'
  /** Number of mismatching integer entries (indices). */
  | 'mismatch';

export interface ParityReport {
  /** Fixture name without `.safetensors[.gz]`. */
  fixture: string;
  /** The golden tensor (or group) compared, e.g. `output.de0` or `train output.ocbe`. */
  check: string;
  /** Measured error; null when skipped. */
  error: number | null;
  tolerance: number;
  kind: ErrorKind;
  /** error ≤ tolerance (a skipped check passes and says why in `skipped`). */
  pass: boolean;
  /** TF.js backend the check ran on. */
  backend: string;
  /** Why the check did not run. */
  skipped?: string;
}

/** README thresholds for an fp32 re-implementation. */
export const TOLERANCE = {
  forward: 1e-4,
  trainForward: 2e-4,
  scalarLoss: 1e-5,
  nearZero: 1e-6,
} as const;

export function goldenArray(g: Fixture, name: string): NamedArray {
  const a = g.get(name);
  if (!a) throw new Error(`golden tensor ${name} missing`);
  return a;
}

export function goldenScalar(g: Fixture, name: string): number {
  return goldenArray(g, name).data[0];
}

/** NCHW golden array → NHWC tensor; other ranks keep their shape. */
export function nhwcTensor(a: NamedArray): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(a.data as Float32Array, a.shape);
    return a.shape.length === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t;
  });
}

/** NHWC (rank 4) or any other tensor → flat values in the golden's NCHW order. */
export async function nchwValues(t: tf.Tensor): Promise<Float32Array> {
  const r = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const d = (await r.data()) as Float32Array;
  if (r !== t) r.dispose();
  return d;
}

/** max|a−b| / max|ref|: the README's relative-to-range error. */
export function rangeError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (actual.length !== ref.length) throw new Error(`length ${actual.length} vs ${ref.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(actual[i] - ref[i]);
    // NaN must fail the check, and Math.max would propagate it only on some paths.
    maxDiff = Number.isNaN(d) ? Infinity : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

export function scalarError(actual: number, ref: number): number {
  const e = Math.abs(actual - ref) / Math.abs(ref);
  return Number.isNaN(e) ? Infinity : e;
}

/** Collects reports for one fixture on the active backend. */
export class ReportSink {
  readonly reports: ParityReport[] = [];
  private readonly backend = tf.getBackend();

  constructor(readonly fixture: string) {}

  add(check: string, error: number, tolerance: number, kind: ErrorKind): void {
    this.reports.push({
      fixture: this.fixture,
      check,
      error,
      tolerance,
      kind,
      pass: error <= tolerance,
      backend: this.backend,
    });
  }

  skip(check: string, tolerance: number, kind: ErrorKind, reason: string): void {
    this.reports.push({
      fixture: this.fixture,
      check,
      error: null,
      tolerance,
      kind,
      pass: true,
      backend: this.backend,
      skipped: reason,
    });
  }

  /** A tensor (NHWC or any rank) against a golden NCHW tensor of the same element count. */
  async tensor(check: string, t: tf.Tensor, g: Fixture, name: string, tolerance: number): Promise<void> {
    const ref = goldenArray(g, name);
    const expect = ref.shape.length === 4 ? [ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]] : null;
    if (t.rank === 4 && expect && t.shape.join() !== expect.join()) {
      throw new Error(`${check}: shape [${t.shape}] vs NHWC of the golden [${expect}]`);
    }
    this.add(check, rangeError(await nchwValues(t), ref.data), tolerance, 'range');
  }

  /** Flat values already in the golden's order (e.g. [B,L,...] layouts that are not NHWC). */
  async flat(check: string, t: tf.Tensor, g: Fixture, name: string, tolerance: number): Promise<void> {
    this.add(
      check,
      rangeError((await t.data()) as Float32Array, goldenArray(g, name).data),
      tolerance,
      'range',
    );
  }

  async scalar(check: string, t: tf.Tensor, g: Fixture, name: string, tolerance: number): Promise<void> {
    this.add(check, scalarError((await t.data())[0], goldenScalar(g, name)), tolerance, 'scalar');
  }
}
