import type { Rng } from '../synth/rng';

/**
 * Training batches as the reference DataLoader yields them: the training images in a fresh
 * random order every epoch, and a switch that flips at every image drawn, so every other image
 * (across batch borders) is replaced by a synthetic anomaly of itself.
 */
export class ReferenceSampler {
  private order: number[] = [];
  private cursor = 0;
  private anomalyNext = false;

  constructor(
    private readonly count: number,
    private readonly rng: Rng,
  ) {
    if (count < 1) throw new Error('The training set is empty: add images to train/good.');
  }

  /** Indices and whether each is to be made a synthetic anomaly. Batches never span epochs, as with drop_last=False. */
  next(batchSize: number): { index: number; synthetic: boolean }[] {
    if (this.cursor >= this.order.length) {
      this.order = this.rng.shuffle([...Array(this.count).keys()]);
      this.cursor = 0;
    }
    const out: { index: number; synthetic: boolean }[] = [];
    while (out.length < batchSize && this.cursor < this.order.length) {
      out.push({ index: this.order[this.cursor++], synthetic: this.anomalyNext });
      this.anomalyNext = !this.anomalyNext;
    }
    return out;
  }

  /** Resumable state for checkpoints. */
  state(): { order: number[]; cursor: number; anomalyNext: boolean } {
    return { order: [...this.order], cursor: this.cursor, anomalyNext: this.anomalyNext };
  }

  restore(s: { order: number[]; cursor: number; anomalyNext: boolean }): void {
    this.order = [...s.order];
    this.cursor = s.cursor;
    this.anomalyNext = s.anomalyNext;
  }
}
