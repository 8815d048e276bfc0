/**
 * Complex FFTs in float64 (numpy's precision) for any length: iterative radix-2 when the length
 * is a power of two, Bluestein's chirp-z (a power-of-two convolution) otherwise. Written here
 * rather than taken from npm because the common small libraries (e.g. fft.js) handle powers of
 * two only, and images of arbitrary size reach the Fourier mix.
 *
 * Conventions follow numpy.fft: forward uses e^{-2πi jk/n} and no scaling; the inverse scales
 * by 1/n (1/(h·w) in 2-D). Data are split real / imaginary Float64Arrays, row-major in 2-D.
 */

interface Plan {
  /** Unscaled forward transform in place. */
  forward(re: Float64Array, im: Float64Array): void;
}

const planCache = new Map<number, Plan>();

function planFor(n: number): Plan {
  let p = planCache.get(n);
  if (!p) {
    p = isPowerOfTwo(n) ? new Radix2Plan(n) : new BluesteinPlan(n);
    // A handful of sizes occur in one session; keep the cache from growing without bound.
    if (planCache.size > 32) planCache.clear();
    planCache.set(n, p);
  }
  return p;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

class Radix2Plan implements Plan {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(private readonly n: number) {
    const half = n >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  forward(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const halfSize = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < halfSize; k++) {
          const wr = this.cos[k * step];
          const wi = this.sin[k * step];
          const a = start + k;
          const b = a + halfSize;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

/** Bluestein: X_k = c_k · Σ_j (x_j c_j) · conj(c_{k−j}), c_j = e^{−πi j²/n}, as a cyclic convolution of length m ≥ 2n−1. */
class BluesteinPlan implements Plan {
  private readonly m: number;
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  /** FFT of the convolution kernel conj(c) laid out cyclically over m. */
  private readonly kernRe: Float64Array;
  private readonly kernIm: Float64Array;
  private readonly inner: Radix2Plan;
  private readonly bufRe: Float64Array;
  private readonly bufIm: Float64Array;

  constructor(private readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.m = m;
    this.inner = new Radix2Plan(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // j² mod 2n in integers keeps the angle exact for large j.
      const q = Number((BigInt(j) * BigInt(j)) % BigInt(2 * n));
      const ang = (Math.PI * q) / n;
      this.chirpRe[j] = Math.cos(ang);
      this.chirpIm[j] = -Math.sin(ang);
    }
    this.kernRe = new Float64Array(m);
    this.kernIm = new Float64Array(m);
    this.kernRe[0] = this.chirpRe[0];
    this.kernIm[0] = -this.chirpIm[0];
    for (let j = 1; j < n; j++) {
      this.kernRe[j] = this.kernRe[m - j] = this.chirpRe[j];
      this.kernIm[j] = this.kernIm[m - j] = -this.chirpIm[j];
    }
    this.inner.forward(this.kernRe, this.kernIm);
    this.bufRe = new Float64Array(m);
    this.bufIm = new Float64Array(m);
  }

  forward(re: Float64Array, im: Float64Array): void {
    const { n, m, chirpRe, chirpIm, kernRe, kernIm, bufRe, bufIm } = this;
    bufRe.fill(0);
    bufIm.fill(0);
    for (let j = 0; j < n; j++) {
      bufRe[j] = re[j] * chirpRe[j] - im[j] * chirpIm[j];
      bufIm[j] = re[j] * chirpIm[j] + im[j] * chirpRe[j];
    }
    this.inner.forward(bufRe, bufIm);
    for (let k = 0; k < m; k++) {
      const r = bufRe[k] * kernRe[k] - bufIm[k] * kernIm[k];
      const i = bufRe[k] * kernIm[k] + bufIm[k] * kernRe[k];
      // Conjugate so that the next forward transform acts as an (unscaled) inverse.
      bufRe[k] = r;
      bufIm[k] = -i;
    }
    this.inner.forward(bufRe, bufIm);
    for (let k = 0; k < n; k++) {
      const cr = bufRe[k] / m;
      const ci = -bufIm[k] / m;
      re[k] = cr * chirpRe[k] - ci * chirpIm[k];
      im[k] = cr * chirpIm[k] + ci * chirpRe[k];
    }
  }
}

/** 1-D FFT in place (numpy.fft.fft; with inverse, numpy.fft.ifft including the 1/n). */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new Error('fft1d: re/im length mismatch');
  if (n <= 1) return;
  const plan = planFor(n);
  if (!inverse) {
    plan.forward(re, im);
    return;
  }
  // ifft(x) = conj(fft(conj(x))) / n
  for (let i = 0; i < n; i++) im[i] = -im[i];
  plan.forward(re, im);
  for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] = -im[i] / n;
  }
}

/** 2-D FFT in place over a row-major [h, w] array (numpy.fft.fft2 / ifft2 with 1/(h·w)). */
export function fft2d(re: Float64Array, im: Float64Array, h: number, w: number, inverse = false): void {
  fft2dSubset(re, im, h, w, inverse, null, null);
}

/**
 * 2-D FFT that transforms only some rows in its first (row) pass and only some columns in its
 * second (column) pass; null means all. Skipping rows is exact when those rows are all zero
 * (a sparse spectrum); skipping columns leaves only the listed columns valid. Used by the
 * Fourier mix, which needs a small centred block of frequencies.
 */
export function fft2dSubset(
  re: Float64Array,
  im: Float64Array,
  h: number,
  w: number,
  inverse: boolean,
  rows: readonly number[] | null,
  cols: readonly number[] | null,
): void {
  if (re.length !== h * w || im.length !== h * w) throw new Error(`fft2d: expected ${h}x${w} values`);
  const rowRe = new Float64Array(w);
  const rowIm = new Float64Array(w);
  const nRows = rows ? rows.length : h;
  for (let r = 0; r < nRows; r++) {
    const o = (rows ? rows[r] : r) * w;
    rowRe.set(re.subarray(o, o + w));
    rowIm.set(im.subarray(o, o + w));
    fft1d(rowRe, rowIm, inverse);
    re.set(rowRe, o);
    im.set(rowIm, o);
  }
  const colRe = new Float64Array(h);
  const colIm = new Float64Array(h);
  const nCols = cols ? cols.length : w;
  for (let c = 0; c < nCols; c++) {
    const x = cols ? cols[c] : c;
    for (let y = 0; y < h; y++) {
      colRe[y] = re[y * w + x];
      colIm[y] = im[y * w + x];
    }
    fft1d(colRe, colIm, inverse);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = colRe[y];
      im[y * w + x] = colIm[y];
    }
  }
}

type NumArray = Float64Array | Float32Array;

/** numpy.fft.fftshift over both axes of a row-major [h, w] array: the zero frequency moves to (⌊h/2⌋, ⌊w/2⌋). */
export function fftshift2d<T extends NumArray>(a: T, h: number, w: number): T {
  return roll2d(a, h, w, h >> 1, w >> 1);
}

/** numpy.fft.ifftshift over both axes (the exact inverse of fftshift2d, also for odd sizes). */
export function ifftshift2d<T extends NumArray>(a: T, h: number, w: number): T {
  return roll2d(a, h, w, -(h >> 1), -(w >> 1));
}

/** out[(y+dy) mod h, (x+dx) mod w] = a[y, x] (numpy.roll on both axes); returns a new array. */
function roll2d<T extends NumArray>(a: T, h: number, w: number, dy: number, dx: number): T {
  if (a.length !== h * w) throw new Error(`roll2d: expected ${h}x${w} values`);
  const out = new (a.constructor as { new (n: number): T })(a.length);
  const sy = ((dy % h) + h) % h;
  const sx = ((dx % w) + w) % w;
  for (let y = 0; y < h; y++) {
    const ty = (y + sy) % h;
    for (let x = 0; x < w; x++) out[ty * w + ((x + sx) % w)] = a[y * w + x];
  }
  return out;
}
