/**
 * Seedable pseudo-random generator (xoshiro128**, state expanded from a 32-bit seed by
 * splitmix32). Every random draw in the project goes through one of these so that a run is
 * reproducible from its seed, in a Web Worker or in Node alike. Not cryptographic.
 *
 * The reference code draws from three generators (numpy, torch, imgaug); the playground cannot
 * reproduce their streams, only their distributions, so one generator serves all draws.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second Box–Muller value, kept for the next normal() call. */
  private spare: number | null = null;

  constructor(seed: number) {
    // splitmix32 spreads any seed (0 included) over a state that is never all zero.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Restores a generator saved with getState() (e.g. when a worker resumes a run). */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length < 4) throw new Error('Rng state needs 4 words');
    const r = new Rng(0);
    r.s0 = state[0] >>> 0;
    r.s1 = state[1] >>> 0;
    r.s2 = state[2] >>> 0;
    r.s3 = state[3] >>> 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new Error('Rng state must not be all zero');
    return r;
  }

  /** The four state words; a cached second normal() value is not part of it (resume after an even number of normal draws, or accept one skipped value). */
  getState(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** An independent generator seeded from this one (for a sub-task that must not shift our stream). */
  fork(): Rng {
    return new Rng(this.nextUint32() ^ 0x5bd1e995);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi) — hi exclusive, as torch.randint / numpy randint. */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new Error(`Rng.int: empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Normal draw (Box–Muller; the second value of each pair is cached). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u1 = 1 - this.next(); // (0, 1]: log(0) never happens
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** One element drawn uniformly. */
  choice<T>(a: readonly T[]): T {
    if (a.length === 0) throw new Error('Rng.choice: empty array');
    return a[this.int(0, a.length)];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
