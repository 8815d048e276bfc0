import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/synth/rng';
import { fft1d, fft2d, fftshift2d, ifftshift2d } from '../../src/core/synth/fft';
import { fourierBandHalfWidth, fourierMix } from '../../src/core/synth/fourier-mix';
import { perlinMask, perlinNoise2d, rotateBilinear } from '../../src/core/synth/perlin';
import { blendAnomaly, synthesizeAnomaly } from '../../src/core/synth/anomaly';
import { proceduralTexture, TEXTURE_KINDS } from '../../src/core/synth/textures';
import type { RgbImage } from '../../src/core/data/image';

function randomImage(h: number, w: number, rng: Rng): RgbImage {
  const data = new Float32Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { data, height: h, width: w };
}

/** O(n²) DFT, e^{-2πi jk/n}, the definition the FFT must match. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const oRe = new Float64Array(n);
  const oIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      oRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      oIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return [oRe, oIm];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(new Set(sa).size).toBe(100);
  });

  it('restores from its state and forks independently', () => {
    const a = new Rng(7);
    a.next();
    const b = Rng.fromState(a.getState());
    expect(Array.from({ length: 10 }, () => a.next())).toEqual(Array.from({ length: 10 }, () => b.next()));
    const f = a.fork();
    expect(f.next()).not.toBe(a.next());
  });

  it('draws uniform, integer, normal values with the right ranges and moments', () => {
    const r = new Rng(1);
    const N = 20000;
    let sum = 0;
    let sumSq = 0;
    let umin = 1;
    let umax = 0;
    const ints = new Array<number>(6).fill(0);
    for (let i = 0; i < N; i++) {
      const u = r.uniform();
      umin = Math.min(umin, u);
      umax = Math.max(umax, u);
      const k = r.int(0, 6);
      ints[k]++;
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(umin).toBeGreaterThanOrEqual(0);
    expect(umax).toBeLessThan(1);
    for (const c of ints) expect(Math.abs(c / N - 1 / 6)).toBeLessThan(0.015);
    expect(Math.abs(sum / N)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / N - 1)).toBeLessThan(0.04);
    const v = r.uniform(-90, 90);
    expect(v).toBeGreaterThanOrEqual(-90);
    expect(v).toBeLessThan(90);
    expect(() => r.int(3, 3)).toThrow();
  });

  it('shuffles into a permutation and chooses members', () => {
    const r = new Rng(5);
    const a = Array.from({ length: 50 }, (_, i) => i);
    const s = r.shuffle([...a]);
    expect([...s].sort((x, y) => x - y)).toEqual(a);
    expect(s).not.toEqual(a);
    expect(a).toContain(r.choice(a));
    expect(() => r.choice([])).toThrow();
  });
});

describe('FFT', () => {
  it('matches numpy on a known vector', () => {
    const re = Float64Array.of(1, 2, 3, 4);
    const im = new Float64Array(4);
    fft1d(re, im);
    [10, -2, -2, -2].forEach((v, i) => expect(re[i]).toBeCloseTo(v, 12));
    [0, 2, 0, -2].forEach((v, i) => expect(im[i]).toBeCloseTo(v, 12));
  });

  it.each([1, 2, 3, 5, 7, 8, 12, 16, 31, 100])('matches a naive DFT and round-trips (n=%i)', (n) => {
    const r = new Rng(n);
    const re = Float64Array.from({ length: n }, () => r.normal());
    const im = Float64Array.from({ length: n }, () => r.normal());
    const [eRe, eIm] = naiveDft(re, im);
    const fRe = re.slice();
    const fIm = im.slice();
    fft1d(fRe, fIm);
    expect(maxAbsDiff(fRe, eRe)).toBeLessThan(1e-9 * n);
    expect(maxAbsDiff(fIm, eIm)).toBeLessThan(1e-9 * n);
    fft1d(fRe, fIm, true);
    expect(maxAbsDiff(fRe, re)).toBeLessThan(1e-12 * n);
    expect(maxAbsDiff(fIm, im)).toBeLessThan(1e-12 * n);
  });

  it.each([
    [8, 4],
    [6, 10],
    [9, 7],
  ])('2-D transform equals row-then-column naive DFTs and round-trips (%ix%i)', (h, w) => {
    const r = new Rng(h * 100 + w);
    const re = Float64Array.from({ length: h * w }, () => r.next());
    const im = new Float64Array(h * w);
    // definition: X[u,v] = Σ x[y,x] e^{-2πi(uy/h + vx/w)}
    const eRe = new Float64Array(h * w);
    const eIm = new Float64Array(h * w);
    for (let u = 0; u < h; u++)
      for (let v = 0; v < w; v++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const a = -2 * Math.PI * ((u * y) / h + (v * x) / w);
            eRe[u * w + v] += re[y * w + x] * Math.cos(a);
            eIm[u * w + v] += re[y * w + x] * Math.sin(a);
          }
    const fRe = re.slice();
    const fIm = im.slice();
    fft2d(fRe, fIm, h, w);
    expect(maxAbsDiff(fRe, eRe)).toBeLessThan(1e-9);
    expect(maxAbsDiff(fIm, eIm)).toBeLessThan(1e-9);
    fft2d(fRe, fIm, h, w, true);
    expect(maxAbsDiff(fRe, re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(fIm, im)).toBeLessThan(1e-12);
  });

  it('fftshift / ifftshift follow numpy, also for odd sizes', () => {
    // numpy.fft.fftshift(np.arange(5)) = [3, 4, 0, 1, 2]; on [1, 5] only the second axis moves.
    expect(Array.from(fftshift2d(Float64Array.of(0, 1, 2, 3, 4), 1, 5))).toEqual([3, 4, 0, 1, 2]);
    expect(Array.from(ifftshift2d(Float64Array.of(3, 4, 0, 1, 2), 1, 5))).toEqual([0, 1, 2, 3, 4]);
    const a = Float64Array.from({ length: 15 }, (_, i) => i);
    const s = fftshift2d(a, 3, 5);
    expect(s[1 * 5 + 2]).toBe(0); // zero frequency at (⌊3/2⌋, ⌊5/2⌋)
    expect(Array.from(ifftshift2d(s, 3, 5))).toEqual(Array.from(a));
  });
});

describe('Fourier amplitude mix', () => {
  const spectrum = (img: Float32Array, h: number, w: number, c: number) => {
    const re = new Float64Array(h * w);
    const im = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) re[i] = img[i * 3 + c] * 255;
    fft2d(re, im, h, w);
    return { re, im };
  };

  it('leaves the image unchanged when lam = 0', () => {
    const r = new Rng(3);
    for (const [h, w] of [
      [32, 32],
      [21, 17],
    ]) {
      const src = randomImage(h, w, r);
      const tex = randomImage(h, w, r);
      expect(maxAbsDiff(fourierMix(src.data, tex.data, h, w, 0), src.data)).toBeLessThan(1e-5);
    }
  });

  it('mixes the amplitude inside the centred square only and keeps the source phase', () => {
    const h = 30;
    const w = 40;
    const r = new Rng(11);
    const src = randomImage(h, w, r);
    const tex = randomImage(h, w, r);
    const lam = 0.3;
    const out = fourierMix(src.data, tex.data, h, w, lam);
    const b = fourierBandHalfWidth(h, w);
    expect(b).toBe(3);
    let inside = 0;
    for (let c = 0; c < 3; c++) {
      const s = spectrum(src.data, h, w, c);
      const t = spectrum(tex.data, h, w, c);
      const o = spectrum(out, h, w, c);
      for (let u = 0; u < h; u++) {
        for (let v = 0; v < w; v++) {
          // shifted coordinates of unshifted (u, v)
          const su = (u + (h >> 1)) % h;
          const sv = (v + (w >> 1)) % w;
          const inSquare = Math.abs(su - (h >> 1)) <= b && Math.abs(sv - (w >> 1)) <= b;
          const k = u * w + v;
          const aSrc = Math.hypot(s.re[k], s.im[k]);
          const aTex = Math.hypot(t.re[k], t.im[k]);
          const aOut = Math.hypot(o.re[k], o.im[k]);
          const expected = inSquare ? lam * aTex + (1 - lam) * aSrc : aSrc;
          expect(Math.abs(aOut - expected)).toBeLessThan(1e-6 * Math.max(1, expected) + 1e-3);
          if (aSrc > 1e-3 && aOut > 1e-3) {
            const dPhase = Math.atan2(o.im[k], o.re[k]) - Math.atan2(s.im[k], s.re[k]);
            // the output is float32: an absolute spectrum error of ~1e-3 turns into 1e-3/|X| radians
            expect(Math.abs(Math.atan2(Math.sin(dPhase), Math.cos(dPhase))) * aOut).toBeLessThan(5e-3);
          }
          if (inSquare) inside++;
        }
      }
    }
    expect(inside).toBe(3 * 7 * 7);
  });

  it('equals the literal METHOD.md §2.1 recipe (full FFT, fftshift, mix, ifftshift, inverse FFT)', () => {
    // the steps as written, without the shortcuts fourierMix takes
    const literal = (
      src: Float32Array,
      tex: Float32Array,
      h: number,
      w: number,
      lam: number,
    ): Float32Array => {
      const out = new Float32Array(h * w * 3);
      const b = Math.floor(Math.min(h, w) * 0.1);
      const ch = Math.floor(h / 2);
      const cw = Math.floor(w / 2);
      for (let c = 0; c < 3; c++) {
        const sRe = new Float64Array(h * w);
        const sIm = new Float64Array(h * w);
        const tRe = new Float64Array(h * w);
        const tIm = new Float64Array(h * w);
        for (let i = 0; i < h * w; i++) {
          sRe[i] = src[i * 3 + c] * 255;
          tRe[i] = tex[i * 3 + c] * 255;
        }
        fft2d(sRe, sIm, h, w);
        fft2d(tRe, tIm, h, w);
        const amp = (re: Float64Array, im: Float64Array) => re.map((v, i) => Math.hypot(v, im[i]));
        const phase = sRe.map((v, i) => Math.atan2(sIm[i], v));
        const aS = fftshift2d(amp(sRe, sIm), h, w);
        const aT = fftshift2d(amp(tRe, tIm), h, w);
        for (let u = ch - b; u <= ch + b; u++)
          for (let v = cw - b; v <= cw + b; v++)
            aS[u * w + v] = lam * aT[u * w + v] + (1 - lam) * aS[u * w + v];
        const a = ifftshift2d(aS, h, w);
        const re = a.map((v, i) => v * Math.cos(phase[i]));
        const im = a.map((v, i) => v * Math.sin(phase[i]));
        fft2d(re, im, h, w, true);
        for (let i = 0; i < h * w; i++) out[i * 3 + c] = re[i] / 255;
      }
      return out;
    };
    const r = new Rng(21);
    for (const [h, w, lam] of [
      [16, 16, 0.7],
      [20, 26, 0.25],
      [23, 19, 1.8],
    ]) {
      const src = randomImage(h, w, r);
      const tex = randomImage(h, w, r);
      expect(
        maxAbsDiff(fourierMix(src.data, tex.data, h, w, lam), literal(src.data, tex.data, h, w, lam)),
      ).toBeLessThan(1e-6);
    }
  });

  it('changes the image when lam > 0 and the texture differs', () => {
    const r = new Rng(12);
    const src = randomImage(16, 16, r);
    const tex = randomImage(16, 16, r);
    expect(maxAbsDiff(fourierMix(src.data, tex.data, 16, 16, 1), src.data)).toBeGreaterThan(1e-3);
  });
});

describe('Perlin noise and masks', () => {
  it('stays in [-1, 1] for every reference resolution and handles sizes not divisible by it', () => {
    const r = new Rng(9);
    for (const [h, w, ry, rx] of [
      [64, 64, 1, 1],
      [64, 64, 32, 4],
      [64, 64, 2, 16],
      [50, 70, 32, 8],
      [7, 5, 4, 2],
    ]) {
      const n = perlinNoise2d(h, w, ry, rx, r);
      expect(n.length).toBe(h * w);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of n) {
        expect(Number.isFinite(v)).toBe(true);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo).toBeGreaterThanOrEqual(-1 - 1e-6);
      expect(hi).toBeLessThanOrEqual(1 + 1e-6);
      expect(hi - lo).toBeGreaterThan(0.1);
    }
  });

  it('is zero on lattice corners and at the origin cell start', () => {
    const n = perlinNoise2d(16, 16, 4, 2, new Rng(2));
    // corners of lattice cells (every 4 rows, every 8 columns) have zero offset → zero noise
    for (let y = 0; y < 16; y += 4)
      for (let x = 0; x < 16; x += 8) expect(Math.abs(n[y * 16 + x])).toBeLessThan(1e-7);
  });

  it('rotates as cv2.warpAffine: identity at 0°, exact quarter turn at 90°, zero fill outside', () => {
    const r = new Rng(4);
    const h = 9;
    const src = Float32Array.from({ length: h * h }, () => r.next());
    expect(maxAbsDiff(rotateBilinear(src, h, h, 0), src)).toBe(0);
    const q = rotateBilinear(src, h, h, 90);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < h; x++) expect(q[y * h + x]).toBeCloseTo(src[(h - 1 - x) * h + y], 6);
    const ones = new Float32Array(64 * 64).fill(1);
    const rot = rotateBilinear(ones, 64, 64, 45);
    expect(rot[0]).toBe(0); // corner comes from outside the image
    expect(rot[32 * 64 + 32]).toBe(1);
  });

  it('gives a binary mask covering a sensible fraction of the image', () => {
    const r = new Rng(2024);
    const fractions: number[] = [];
    for (let i = 0; i < 40; i++) {
      const m = perlinMask(64, 64, r);
      expect(m.resRows).toBeGreaterThanOrEqual(1);
      expect(m.resRows).toBeLessThanOrEqual(32);
      expect(Math.abs(m.angleDeg)).toBeLessThanOrEqual(90);
      let on = 0;
      let consistent = true;
      for (let k = 0; k < m.mask.length; k++) {
        if (m.mask[k] !== (m.noise[k] > 0.5 ? 1 : 0)) consistent = false;
        on += m.mask[k];
      }
      expect(consistent).toBe(true);
      fractions.push(on / m.mask.length);
    }
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    expect(mean).toBeGreaterThan(0.02);
    expect(mean).toBeLessThan(0.3);
    expect(Math.max(...fractions)).toBeLessThan(0.7);
  });
});

describe('anomaly synthesis', () => {
  it('blends exactly as I_a = (1−M)·F + (1−β)·F + β·M·F: (2−β)·F outside, F inside', () => {
    const fm = Float32Array.of(0.1, 0.2, 0.3, 0.9, 0.5, -0.05, 1.1, 0.4, 0.0);
    const mask = Uint8Array.of(0, 1, 0);
    const beta = 0.35;
    const out = blendAnomaly(fm, mask, beta);
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 3; c++) {
        const f = fm[i * 3 + c];
        const m = mask[i];
        const direct = (1 - m) * f + (1 - beta) * f + beta * m * f;
        expect(out[i * 3 + c]).toBeCloseTo(direct, 6);
        expect(out[i * 3 + c]).toBeCloseTo(m ? f : (2 - beta) * f, 6);
      }
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const img = randomImage(32, 32, new Rng(1));
    const tex = randomImage(32, 32, new Rng(2));
    const a = synthesizeAnomaly(img, tex, new Rng(77));
    const b = synthesizeAnomaly(img, tex, new Rng(77));
    const c = synthesizeAnomaly(img, tex, new Rng(78));
    expect(b.image.data).toEqual(a.image.data);
    expect(b.mask).toEqual(a.mask);
    expect(b.stages.lam).toBe(a.stages.lam);
    expect(c.image.data).not.toEqual(a.image.data);
  });

  it('composes the stages: F_M from lam, mask from Perlin, blend with β; no clipping', () => {
    const img = randomImage(32, 32, new Rng(5));
    const tex = randomImage(32, 32, new Rng(6));
    const res = synthesizeAnomaly(img, tex, new Rng(8));
    const { lam, beta } = res.stages;
    expect(maxAbsDiff(res.stages.fourierMix.data, fourierMix(img.data, tex.data, 32, 32, lam))).toBe(0);
    expect(maxAbsDiff(res.image.data, blendAnomaly(res.stages.fourierMix.data, res.mask, beta))).toBe(0);
    expect(res.stages.perlinMask).toBe(res.mask);
    // outside the mask the image is scaled by 2−β > 1.2, so values beyond 1 survive unclipped
    let maxV = 0;
    for (const v of res.image.data) maxV = Math.max(maxV, v);
    expect(maxV).toBeGreaterThan(1);
  });

  it('keeps the other draws when lam / β are fixed, and an empty mask means (2−β)·F_M everywhere', () => {
    const img = randomImage(24, 24, new Rng(5));
    const tex = randomImage(24, 24, new Rng(6));
    const free = synthesizeAnomaly(img, tex, new Rng(31));
    const fixed = synthesizeAnomaly(img, tex, new Rng(31), { lam: 0, beta: 0.5 });
    expect(fixed.mask).toEqual(free.mask);
    expect(fixed.stages.perlinAngleDeg).toBe(free.stages.perlinAngleDeg);
    expect(maxAbsDiff(fixed.stages.fourierMix.data, img.data)).toBeLessThan(1e-5);
    // threshold above the noise range → empty mask; no redraw
    const empty = synthesizeAnomaly(img, tex, new Rng(31), { beta: 0.5, perlin: { threshold: 2 } });
    expect(empty.mask.every((v) => v === 0)).toBe(true);
    const fmData = empty.stages.fourierMix.data;
    for (let i = 0; i < fmData.length; i++) expect(empty.image.data[i]).toBeCloseTo(1.5 * fmData[i], 6);
  });

  it('draws lam and β from the reference or the paper distributions', () => {
    const img = randomImage(8, 8, new Rng(1));
    const tex = randomImage(8, 8, new Rng(2));
    const r = new Rng(99);
    const ref = { lamMin: 1, lamMax: 0, betaMin: 1, betaMax: 0 };
    const pap = { lamMin: 0, lamMax: 0, betaMin: 2, betaMax: 0 };
    for (let i = 0; i < 200; i++) {
      const a = synthesizeAnomaly(img, tex, r).stages;
      ref.lamMin = Math.min(ref.lamMin, a.lam);
      ref.lamMax = Math.max(ref.lamMax, a.lam);
      ref.betaMin = Math.min(ref.betaMin, a.beta);
      ref.betaMax = Math.max(ref.betaMax, a.beta);
      const p = synthesizeAnomaly(img, tex, r, { paperLambda: true, paperBeta: true }).stages;
      pap.lamMin = Math.min(pap.lamMin, p.lam);
      pap.lamMax = Math.max(pap.lamMax, p.lam);
      pap.betaMin = Math.min(pap.betaMin, p.beta);
      pap.betaMax = Math.max(pap.betaMax, p.beta);
    }
    expect(ref.lamMin).toBeGreaterThanOrEqual(0);
    expect(ref.lamMax).toBeLessThan(1);
    expect(ref.betaMin).toBeGreaterThanOrEqual(0);
    expect(ref.betaMax).toBeLessThan(0.8);
    expect(ref.betaMax).toBeGreaterThan(0.7);
    expect(pap.lamMin).toBeLessThan(-1); // N(0,1) leaves [0, 1]
    expect(pap.lamMax).toBeGreaterThan(1);
    expect(pap.betaMin).toBeGreaterThanOrEqual(0.1);
    expect(pap.betaMax).toBeGreaterThan(0.9);
  });

  it('resizes a texture of another size to the image size', () => {
    const img = randomImage(20, 20, new Rng(1));
    const tex = randomImage(50, 40, new Rng(2));
    const res = synthesizeAnomaly(img, tex, new Rng(3));
    expect(res.stages.texture.height).toBe(20);
    expect(res.stages.texture.width).toBe(20);
    expect(res.image.data.length).toBe(20 * 20 * 3);
  });
});

describe('procedural textures', () => {
  it.each(TEXTURE_KINDS)('%s: right size, in [0, 1], not flat, deterministic', (kind) => {
    const a = proceduralTexture(48, 40, new Rng(10), kind);
    const b = proceduralTexture(48, 40, new Rng(10), kind);
    expect(a.height).toBe(48);
    expect(a.width).toBe(40);
    expect(a.data.length).toBe(48 * 40 * 3);
    expect(b.data).toEqual(a.data);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of a.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi - lo).toBeGreaterThan(0.05);
  });

  it('draws different kinds from the generator', () => {
    const r = new Rng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add(Array.from(proceduralTexture(8, 8, r).data.slice(0, 3)).join());
    expect(seen.size).toBeGreaterThan(6);
  });
});
