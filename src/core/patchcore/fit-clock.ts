import { GreedyCoreset } from './coreset';

/**
 * The fit's time estimate. Embedding costs the same per image, so the images left take the mean
 * time so far. The coreset does not: its first centres measure nearly every point, later ones fewer,
 * and how many fewer depends on the data (on the patch features measured, about 70 distances per
 * point in all for bottle and 1200 for magnetic tile at k = 1 %). So while the images are embedded,
 * two pilot coresets run on the first sixteenth and eighth of the patches (the same share of
 * centres); the growth of their distance count per point from one to the other, carried over three
 * more doublings to the whole set, predicts the coreset's count (within a fifth of the real run's on
 * both), and the second pilot's time per distance its time. That time runs low on the whole set (its
 * rows no longer fit the caches: 0.7 to 0.8 of the real time on both). So once the coreset
 * runs, the time per distance is its own; and after its first tenth of the centres, whose cost
 * falls steeply, the recent time per centre takes over. The pilots cost under a tenth of the
 * coreset.
 */

/** The pilots' shares of the patches; the estimate extrapolates from the second. */
const PILOT_SHARES = [16, 8] as const;
/** Below this many patches a pilot says nothing useful (and the coreset is quick anyway). */
const MIN_PILOT_POINTS = 2048;
/** The recent rate spans at least this share of the centres. */
const RECENT_SHARE = 0.05;

interface Pilot {
  /** Distances measured per point, the centre-to-centre ones left out. */
  visitsPerPoint: number;
  msPerDistance: number;
}

export class FitClock {
  private embedMs = 0;
  private imagesDone = 0;
  private readonly pilots: Pilot[] = [];
  /** Cumulative centres, time and distances after each coreset slice. */
  private readonly slices: { centres: number; ms: number; distances: number }[] = [];

  constructor(
    private readonly images: number,
    private readonly patchesPerImage: number,
    private readonly centres: number,
    private readonly dim: number,
  ) {}

  private get points(): number {
    return this.images * this.patchesPerImage;
  }

  /**
   * Records `count` more images embedded in `ms`, then runs whichever pilot the embedded patches of
   * `features` now allow (each once).
   */
  embedded(count: number, ms: number, features: Float32Array): void {
    this.embedMs += ms;
    this.imagesDone += count;
    const fraction = this.centres / this.points;
    while (this.pilots.length < PILOT_SHARES.length) {
      const rows = Math.floor(this.points / PILOT_SHARES[this.pilots.length]);
      if (rows < MIN_PILOT_POINTS || rows > this.imagesDone * this.patchesPerImage) return;
      const k = Math.max(1, Math.round(fraction * rows));
      const t0 = performance.now();
      const pilot = new GreedyCoreset(features.subarray(0, rows * this.dim), this.dim, 0);
      pilot.add(k);
      const between = (k * (k - 1)) / 2;
      this.pilots.push({
        visitsPerPoint: (pilot.distances - between) / rows,
        msPerDistance: (performance.now() - t0) / pilot.distances,
      });
    }
  }

  /** Records the coreset's cumulative centres, time and distances after a slice. */
  coresetSlice(centres: number, ms: number, distances: number): void {
    this.slices.push({ centres, ms, distances });
  }

  /** The coreset's distance count as the pilots predict it, and their time per distance; null without them. */
  private prediction(): { distances: number; msPerDistance: number } | null {
    if (this.pilots.length < PILOT_SHARES.length) return null;
    const [small, large] = this.pilots;
    const growth = Math.min(2, Math.max(1, large.visitsPerPoint / small.visitsPerPoint));
    const visits = large.visitsPerPoint * growth ** Math.log2(PILOT_SHARES[1]);
    const distances = visits * this.points + (this.centres * (this.centres - 1)) / 2;
    return { distances, msPerDistance: large.msPerDistance };
  }

  /** Milliseconds left: images still to embed, then the coreset (as far as it can be told). */
  remainingMs(): number {
    const last = this.slices[this.slices.length - 1];
    const predicted = this.prediction();
    if (!last) {
      const perImage = this.embedMs / Math.max(1, this.imagesDone);
      const coreset = predicted ? predicted.distances * predicted.msPerDistance : 0;
      return perImage * (this.images - this.imagesDone) + coreset;
    }
    if (last.centres < this.centres / 10 && predicted && predicted.distances > last.distances)
      return (predicted.distances - last.distances) * (last.ms / last.distances);
    // The recent slices: back from the last one until they span RECENT_SHARE of the centres.
    let i = this.slices.length - 1;
    while (i > 0 && last.centres - this.slices[i - 1].centres < RECENT_SHARE * this.centres) i--;
    const from = i > 0 ? this.slices[i - 1] : { centres: 0, ms: 0 };
    return ((last.ms - from.ms) / Math.max(1, last.centres - from.centres)) * (this.centres - last.centres);
  }
}
