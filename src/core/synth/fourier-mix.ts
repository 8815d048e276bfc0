import { fft2dSubset } from './fft';
import type { Rng } from './rng';

/**
 * Fourier amplitude mix (FDA) as in the reference's `FDA_source_to_target` /
 * `low_freq_mutate_np` (METHOD.md §2.1), on interleaved RGB [h, w, 3] images in [0, 1].
 */

/** Half-width b of the centred low-frequency square: ⌊min(h, w)·L⌋ (L = 0.1). */
export function fourierBandHalfWidth(h: number, w: number, bandFraction = 0.1): number {
  return Math.floor(Math.min(h, w) * bandFraction);
}

/**
 * Draws the mixing weight: reference lam ~ U(0, 1) (numpy, once per image, shared by the three
 * channels); paper γ ~ N(0, 1). A paper draw outside [0, 1] extrapolates the amplitude, and a
 * negative mixed amplitude flips the phase of that frequency — the formula is applied as written.
 */
export function drawFourierLambda(rng: Rng, paper: boolean): number {
  return paper ? rng.normal(0, 1) : rng.uniform(0, 1);
}

/**
 * F_M: per channel, on the 0..255 scale, FFT2 of source and texture; in the fftshift-centred
 * square of half-width b around (⌊h/2⌋, ⌊w/2⌋), inclusive, the source amplitude becomes
 * lam·A_tex + (1−lam)·A_src; the source phase is kept everywhere (numpy's angle(0) = 0 for a
 * zero coefficient); inverse FFT2, real part, ÷255. Not clipped: the result can leave [0, 1], as
 * in the reference.
 *
 * Computed without the full round trip (same numbers up to float64 rounding): the source and
 * texture channels are packed into one complex FFT (s + i·t), which is evaluated only on the
 * columns of the square; S and T are separated there by Hermitian symmetry (the square is
 * symmetric about the zero frequency); and since only the square changes, F_M = s + Re(IFFT(S'−S)),
 * an inverse whose non-zero rows are the square's. Outside the square the source spectrum is thus
 * kept exactly instead of being rebuilt as A·e^{iφ} as the reference does.
 */
export function fourierMix(
  source: Float32Array, // [h, w, 3] in [0, 1]
  texture: Float32Array, // [h, w, 3] in [0, 1]
  h: number,
  w: number,
  lam: number,
  bandFraction = 0.1,
): Float32Array {
  const n = h * w;
  if (source.length !== n * 3 || texture.length !== n * 3)
    throw new Error(`fourierMix: expected two ${h}x${w}x3 images`);
  const b = fourierBandHalfWidth(h, w, bandFraction);
  const ch = Math.floor(h / 2);
  const cw = Math.floor(w / 2);
  // Unshifted frequency index of shifted position u: fftshift moves index i to (i + ⌊n/2⌋) mod n.
  const rows: number[] = [];
  for (let u = Math.max(0, ch - b); u <= Math.min(h - 1, ch + b); u++) rows.push((u - ch + h) % h);
  const cols: number[] = [];
  for (let v = Math.max(0, cw - b); v <= Math.min(w - 1, cw + b); v++) cols.push((v - cw + w) % w);

  const out = new Float32Array(n * 3);
  const zRe = new Float64Array(n);
  const zIm = new Float64Array(n);
  const dRe = new Float64Array(n);
  const dIm = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      zRe[i] = source[i * 3 + c] * 255;
      zIm[i] = texture[i * 3 + c] * 255;
    }
    fft2dSubset(zRe, zIm, h, w, false, null, cols);
    dRe.fill(0);
    dIm.fill(0);
    for (const i of rows) {
      const mi = (h - i) % h;
      for (const j of cols) {
        const k = i * w + j;
        const km = mi * w + ((w - j) % w); // the conjugate-symmetric partner, also in the square
        // Z = S + iT with S, T Hermitian: S = (Z_k + conj Z_−k)/2, T = (Z_k − conj Z_−k)/(2i)
        const sRe = (zRe[k] + zRe[km]) / 2;
        const sIm = (zIm[k] - zIm[km]) / 2;
        const tRe = (zIm[k] + zIm[km]) / 2;
        const tIm = (zRe[km] - zRe[k]) / 2;
        const aSrc = Math.hypot(sRe, sIm);
        const aTex = Math.hypot(tRe, tIm);
        const phase = Math.atan2(sIm, sRe); // numpy angle(0) = 0 as well
        const a = lam * aTex + (1 - lam) * aSrc;
        dRe[k] = a * Math.cos(phase) - sRe;
        dIm[k] = a * Math.sin(phase) - sIm;
      }
    }
    fft2dSubset(dRe, dIm, h, w, true, rows, null);
    for (let i = 0; i < n; i++) out[i * 3 + c] = source[i * 3 + c] + dRe[i] / 255;
  }
  return out;
}
