import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EngineStalledError,
  STALL_LIMITS,
  StallWatch,
  guardAgainstStall,
  stallLimitsFrom,
} from '../../src/client/stall-watch';

const limits = { minMs: 10_000, factor: 4, probeMs: 3000 };

describe('StallWatch', () => {
  it('allows the minimum silence, then a multiple of the longest gap seen', () => {
    const w = new StallWatch(limits, 0);
    expect(w.allowance()).toBe(10_000);
    expect(w.overdue(10_000)).toBe(false);
    expect(w.overdue(10_001)).toBe(true);
    w.beat(1000);
    w.beat(5000); // a 4 s gap: 16 s allowed
    expect(w.allowance()).toBe(16_000);
    expect(w.overdue(5000 + 16_000)).toBe(false);
    expect(w.overdue(5000 + 16_001)).toBe(true);
    w.beat(6000); // shorter gaps do not shrink it
    expect(w.allowance()).toBe(16_000);
  });

  it('takes shorter limits from the URL only in automation mode', () => {
    expect(stallLimitsFrom('?stallMs=5000')).toBe(STALL_LIMITS);
    expect(stallLimitsFrom('?automation=1&stallMs=nope')).toBe(STALL_LIMITS);
    expect(stallLimitsFrom('?automation=1&stallMs=5000')).toEqual({
      minMs: 5000,
      factor: STALL_LIMITS.factor,
      probeMs: 5000,
    });
  });
});

describe('guardAgainstStall', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('rejects when the overdue engine does not answer the probe in time', async () => {
    const watch = new StallWatch(limits, Date.now());
    const probe = vi.fn(() => new Promise<never>(() => undefined));
    const guard = guardAgainstStall(watch, probe);
    let error: unknown = null;
    guard.stalled.catch((e: unknown) => (error = e));
    await vi.advanceTimersByTimeAsync(9000);
    expect(probe).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(6000); // checks every 5 s: overdue at the 15 s one, probed once
    expect(probe).toHaveBeenCalledTimes(1);
    expect(error).toBeNull();
    await vi.advanceTimersByTimeAsync(limits.probeMs);
    expect(error).toBeInstanceOf(EngineStalledError);
    expect((error as EngineStalledError).silentMs).toBeGreaterThanOrEqual(18_000);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('counts an answer to the probe as a sign of life', async () => {
    const watch = new StallWatch(limits, Date.now());
    const probe = vi.fn(async () => ({}));
    const guard = guardAgainstStall(watch, probe);
    let error: unknown = null;
    guard.stalled.catch((e: unknown) => (error = e));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probe.mock.calls.length).toBeGreaterThan(0);
    expect(error).toBeNull();
    expect(watch.overdue(Date.now())).toBe(false);
    guard.stop();
  });

  it('stays quiet while signs of life arrive, and after stop', async () => {
    const watch = new StallWatch(limits, Date.now());
    const probe = vi.fn(() => new Promise<never>(() => undefined));
    const guard = guardAgainstStall(watch, probe);
    let error: unknown = null;
    guard.stalled.catch((e: unknown) => (error = e));
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(2000);
      watch.beat(Date.now());
    }
    expect(probe).not.toHaveBeenCalled();
    guard.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(probe).not.toHaveBeenCalled();
    expect(error).toBeNull();
  });
});
