// Live anomaly maps while training: a few fixed images re-scored between steps (at most a tenth of
// the training time), their maps and strip metrics sent as events, and, on request, the weights of
// the best-scoring step kept in host memory and restored when training finishes.
import * as tf from '@tensorflow/tfjs';
import {
  LIVE_MAX_SHARE,
  LIVE_MIN_GAP_MS,
  LiveSchedule,
  liveMetrics,
  pickLiveSet,
  type LiveSet,
} from '../../src/core/pipeline/live-maps';
import type { Session } from '../../src/core/pipeline/session';
import type { LiveMapsEvent, LiveMapsOptions } from '../session-api';
import { rgbToRgba } from './decode';
import type { SessionContext } from './state';

interface Snapshot {
  step: number;
  value: number;
  weights: Map<string, Float32Array>;
}

export class LiveMaps {
  private readonly set: LiveSet;
  private readonly schedule: LiveSchedule;
  private sent = 0;
  private lastStep = -1;
  private best: Snapshot | null = null;

  constructor(
    private readonly ctx: SessionContext,
    private readonly runId: string,
    private readonly opts: LiveMapsOptions,
    session: Session,
  ) {
    this.set = pickLiveSet(session.data, opts.images);
    this.schedule = new LiveSchedule(opts.maxShare ?? LIVE_MAX_SHARE, opts.minGapMs ?? LIVE_MIN_GAP_MS);
  }

  /** After each training step of `ms`: scores the set when the schedule allows. */
  async afterStep(s: Session, ms: number): Promise<void> {
    this.schedule.trained(ms);
    if (this.schedule.due()) await this.score(s);
  }

  /** When training reaches its last step: the final model's maps, unless just scored. */
  async finish(s: Session): Promise<void> {
    if (this.lastStep !== s.trainer.step) await this.score(s);
  }

  private async score(s: Session): Promise<void> {
    this.lastStep = s.trainer.step;
    const t0 = performance.now();
    const r = await s.score(this.set.images);
    const m = liveMetrics(this.set, s.data.size, r.maps, r.scores, s.config.imageSize);
    const key = Number.isFinite(m.pixelAuroc) ? m.pixelAuroc : m.imageAuroc;
    if (this.opts.keepBest && Number.isFinite(key) && (!this.best || key > this.best.value))
      this.best = { step: s.trainer.step, value: key, weights: await snapshot(s) };
    this.schedule.scored(performance.now() - t0);
    const first = this.sent++ === 0;
    const event: LiveMapsEvent = {
      type: 'live-maps',
      runId: this.runId,
      step: s.trainer.step,
      source: this.set.source,
      size: s.config.imageSize,
      storedSize: s.data.size,
      items: this.set.items.map(({ split, index, label, kind }) => ({ split, index, label, kind })),
      maps: r.maps,
      scores: Array.from(r.scores),
      imageAuroc: Number.isFinite(m.imageAuroc) ? m.imageAuroc : null,
      pixelAuroc: Number.isFinite(m.pixelAuroc) ? m.pixelAuroc : null,
      overhead: this.schedule.overhead(),
      keptStep: this.best?.step ?? null,
      // Pictures and masks do not change: only the first event carries them.
      ...(first
        ? {
            images: this.set.images.map(rgbToRgba),
            masks: this.set.items.map((it) => it.mask),
          }
        : {}),
    };
    this.ctx.emit(event);
  }

  /**
   * At the end of training with keepBest: puts the best step's weights back (BatchNorm statistics
   * included) and says so in the session's notes. Returns the step kept, or null.
   */
  restoreBest(s: Session): number | null {
    const best = this.best;
    if (!best || best.step === s.trainer.step) return null;
    for (const [name, v] of s.net.store.entries()) {
      const w = best.weights.get(name);
      if (!w) continue;
      const t = tf.tensor(w, v.shape, v.dtype);
      v.assign(t);
      t.dispose();
    }
    const what = this.set.source === 'test' ? 'test images: optimistic' : 'training images';
    s.trainer.notes.push(
      `Kept the weights of step ${best.step} (live ${keyName(this.set)} ${(100 * best.value).toFixed(1)} % on ${this.set.items.length} ${what}); the optimiser state is the last step's.`,
    );
    return best.step;
  }
}

function keyName(set: LiveSet): string {
  return set.items.some((it) => it.mask) ? 'P-AUROC' : 'I-AUROC';
}

async function snapshot(s: Session): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of s.net.store.entries()) out.set(name, (await v.data()) as Float32Array);
  return out;
}
