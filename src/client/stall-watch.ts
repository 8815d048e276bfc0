/**
 * Notices an engine that has stopped answering during training or session creation. Out of memory
 * inside a WASM kernel can leave the engine worker spinning at 100 % of a core with no error (seen
 * with ResNet50-class DM-GRD at batch 8), so the recovery that an error would start never runs: the
 * page has to notice the silence itself.
 *
 * Silence is measured between signs of life (step, progress, checkpoint and recovery events). The
 * allowance grows with the longest gap seen, so a slow but healthy run is not taken for a stall.
 * An overdue engine is then asked for its memory figures; the worker answers as soon as it yields
 * between steps, so no answer within `probeMs` means stuck.
 */
export interface StallLimits {
  /** Silence always allowed, ms. */
  minMs: number;
  /** Silence allowed as a multiple of the longest gap between signs of life so far. */
  factor: number;
  /** How long an overdue engine has to answer a probe, ms. */
  probeMs: number;
}

/**
 * A training step runs without yielding, so a healthy worker may be silent for a whole step: the
 * first one has no gap to scale from, and a heavy configuration on a slow laptop can take minutes
 * (ResNet50 DM-GRD at batch 2: ~40 s per step on this 2-core machine's WASM). Stopping a healthy
 * run costs more than noticing a hang later, so the floor is generous.
 */
export const STALL_LIMITS: StallLimits = { minMs: 10 * 60_000, factor: 4, probeMs: 2 * 60_000 };

export class StallWatch {
  private last: number;
  private longest = 0;

  constructor(
    readonly limits: StallLimits,
    now: number,
  ) {
    this.last = now;
  }

  /** A sign of life at `now`. */
  beat(now: number): void {
    this.longest = Math.max(this.longest, now - this.last);
    this.last = now;
  }

  /** Silence allowed before the engine is probed, ms. */
  allowance(): number {
    return Math.max(this.limits.minMs, this.limits.factor * this.longest);
  }

  lastBeat(): number {
    return this.last;
  }

  overdue(now: number): boolean {
    return now - this.last > this.allowance();
  }
}

/**
 * The limits, shortened by `?stallMs=` in automation mode (`?automation=1`) so that an end-to-end
 * test can stall the engine for seconds rather than minutes.
 */
export function stallLimitsFrom(search: string): StallLimits {
  const params = new URLSearchParams(search);
  const ms = Number(params.get('stallMs'));
  if (params.get('automation') !== '1' || !(ms > 0)) return STALL_LIMITS;
  return { minMs: ms, factor: STALL_LIMITS.factor, probeMs: ms };
}

/** The rejection of `guardAgainstStall` once the engine is found stuck. */
export class EngineStalledError extends Error {
  override name = 'EngineStalledError';
  constructor(readonly silentMs: number) {
    super(`The engine gave no sign of life for ${Math.round(silentMs / 1000)} s and did not answer.`);
  }
}

/**
 * Checks `watch` every few seconds; when it is overdue, calls `probe` (any engine call) and, if no
 * answer comes within `probeMs`, rejects `stalled`. An answer counts as a sign of life. Call `stop`
 * when the guarded work settles.
 */
export function guardAgainstStall(
  watch: StallWatch,
  probe: () => Promise<unknown>,
): { stalled: Promise<never>; stop(): void } {
  let done = false;
  let probing = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = (): void => {
    done = true;
    clearInterval(timer);
  };
  const stalled = new Promise<never>((_, reject) => {
    const check = (): void => {
      if (done || probing || !watch.overdue(Date.now())) return;
      probing = true;
      const answered = probe().then(
        () => true,
        () => true,
      );
      const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), watch.limits.probeMs));
      void Promise.race([answered, late]).then((alive) => {
        probing = false;
        if (done) return;
        if (alive) return watch.beat(Date.now());
        stop();
        reject(new EngineStalledError(Date.now() - watch.lastBeat()));
      });
    };
    timer = setInterval(check, Math.min(CHECK_MS, watch.limits.minMs / 2));
  });
  // A rejection after the guarded work won the race is nobody's to handle.
  stalled.catch(() => undefined);
  return { stalled, stop };
}

const CHECK_MS = 5000;
