/**
 * Greedy k-centre coreset selection (Gonzalez' farthest-point traversal), PatchCore's subsampling
 * of the training patches: each new centre is the point farthest from every centre chosen so far,
 * so after k centres every point lies within the covering radius r_k of one of them, and r_k is at
 * most twice the best radius any k centres can reach.
 *
 * The exact greedy would measure every point against every new centre. Points are kept grouped by
 * their nearest centre instead, and the triangle inequality skips what cannot change: a point at
 * distance r from its centre a is at least d(c, a) − r from a new centre c, so it cannot come
 * closer to c when d(c, a) ≥ 2r; a whole group is skipped when that holds for its farthest member.
 * The choices are the ones the exhaustive search makes (the skipped distances are never smaller).
 * Plain JS on the host: measured on real patch features, this visits a few percent of the points
 * per centre, where TF.js would recompute all of them.
 */
export class GreedyCoreset {
  /** Point index of each centre, in the order chosen. */
  readonly selected: number[] = [];
  /** radii[j]: the largest distance from any point to its nearest of the first j + 1 centres. */
  readonly radii: number[] = [];
  /** Squared distances computed so far: the work done (the fit's time estimate reads it). */
  distances = 0;

  private readonly count: number;
  /** Squared distance of each point to its nearest centre (float64: no rounding at the skip test). */
  private readonly nearest: Float64Array;
  /** Per centre: the points it is nearest to, and the largest squared distance among them. */
  private readonly members: number[][] = [];
  private readonly groupMax: number[] = [];
  private readonly groupArg: number[] = [];
  private next: number;

  /** `points` [count, dim] row-major; `first` the index of the first centre (PatchCore: random). */
  constructor(
    private readonly points: Float32Array,
    private readonly dim: number,
    first: number,
  ) {
    if (dim <= 0 || points.length % dim !== 0)
      throw new Error(`coreset: ${points.length} values are not rows of ${dim}`);
    this.count = points.length / dim;
    if (this.count === 0) throw new Error('coreset: no points');
    if (!(first >= 0 && first < this.count)) throw new Error(`coreset: first centre ${first} out of range`);
    this.nearest = new Float64Array(this.count);
    this.next = first;
  }

  get size(): number {
    return this.selected.length;
  }

  /** Current covering radius (Infinity before the first centre). */
  get radius(): number {
    return this.radii.length ? this.radii[this.radii.length - 1] : Infinity;
  }

  /** True once every point is a centre's duplicate: another centre would cover nothing new. */
  get exhausted(): boolean {
    return this.radius === 0;
  }

  /**
   * Adds up to `count` centres, stopping early once `until()` says so (checked between centres) or
   * when the set is exhausted; returns how many were added.
   */
  add(count: number, until: () => boolean = () => false): number {
    let added = 0;
    while (added < count && !this.exhausted) {
      this.addOne();
      added++;
      if (until()) break;
    }
    return added;
  }

  private addOne(): void {
    const k = this.selected.length;
    const c = this.next;
    this.selected.push(c);
    const co = c * this.dim;
    const mine: number[] = [];
    if (k === 0) {
      for (let i = 0; i < this.count; i++) {
        this.nearest[i] = this.squaredDistance(co, i * this.dim);
        mine.push(i);
      }
    } else {
      for (let a = 0; a < k; a++) {
        const between = this.squaredDistance(co, this.selected[a] * this.dim);
        // d(c,a)² ≥ 4 r² ⇔ d(c,a) ≥ 2r: no member of group a can come closer to c.
        if (between >= 4 * this.groupMax[a]) continue;
        this.regroup(a, co, between, mine);
      }
    }
    let max = -1;
    let arg = -1;
    for (const i of mine) {
      if (this.nearest[i] > max) {
        max = this.nearest[i];
        arg = i;
      }
    }
    this.members.push(mine);
    this.groupMax.push(max);
    this.groupArg.push(arg);
    let best = -1;
    for (let a = 0; a <= k; a++) {
      if (this.groupMax[a] > best) {
        best = this.groupMax[a];
        this.next = this.groupArg[a];
      }
    }
    this.radii.push(Math.sqrt(best));
  }

  /** Moves the members of group `a` that are nearer to the new centre at `co` into `into`. */
  private regroup(a: number, co: number, between: number, into: number[]): void {
    const list = this.members[a];
    let kept = 0;
    let max = -1;
    let arg = -1;
    for (const i of list) {
      const r2 = this.nearest[i];
      if (between < 4 * r2) {
        const d2 = this.squaredDistance(co, i * this.dim);
        if (d2 < r2) {
          this.nearest[i] = d2;
          into.push(i);
          continue;
        }
      }
      list[kept++] = i;
      if (r2 > max) {
        max = r2;
        arg = i;
      }
    }
    list.length = kept;
    this.groupMax[a] = max;
    this.groupArg[a] = arg;
  }

  private squaredDistance(p: number, q: number): number {
    this.distances++;
    return squaredDistance(this.points, p, q, this.dim);
  }
}

/** Squared distance between the rows of `x` starting at offsets `p` and `q` (four partial sums). */
function squaredDistance(x: Float32Array, p: number, q: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const t0 = x[p + j] - x[q + j];
    const t1 = x[p + j + 1] - x[q + j + 1];
    const t2 = x[p + j + 2] - x[q + j + 2];
    const t3 = x[p + j + 3] - x[q + j + 3];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; j < d; j++) {
    const t = x[p + j] - x[q + j];
    s0 += t * t;
  }
  return s0 + s1 + s2 + s3;
}
