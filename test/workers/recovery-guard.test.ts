import { describe, expect, it } from 'vitest';
import type { BackendInfo, EngineEvent, RecoveryEvent } from '../../workers/engine-api';
import { DeviceLostError } from '../../workers/recovery-policy';
import {
  EVALUATION,
  RecoveryGate,
  SCORING,
  RecoveryGuard,
  type GuardHost,
  type GuardOptions,
} from '../../workers/session/recovery-guard';
import type { ModelSession } from '../../src/core/pipeline/model-session';

// The guard's decision flow with a fake backend and fake sessions: no TF.js, no GPU. With
// `device()` null the guard skips the WebGPU error scope and reads the loss from `lost()`.

/** Just the fields the guard reads from a session. */
const fakeSession = (step: number, batchSize = 8): ModelSession =>
  ({ stepsDone: step, config: { batchSize } }) as unknown as ModelSession;

interface Fake {
  host: GuardHost;
  events: RecoveryEvent[];
  lose(reason?: string): void;
  reselects: number;
  rebuilds: number[];
  drops: number;
}

/** A worker whose backend can be lost and whose run restores to `savedStep` (or fails to). */
function fakeWorker(
  opts: { savedStep?: number; rebuild?: () => Promise<ModelSession>; gate?: RecoveryGate } = {},
) {
  const savedStep = opts.savedStep ?? 4;
  let lost: string | null = null;
  const fake: Fake = {
    events: [],
    reselects: 0,
    rebuilds: [],
    drops: 0,
    lose: (reason = 'destroyed') => {
      lost = reason;
    },
    host: {
      runId: () => 'run-1',
      backend: {
        device: () => null,
        lost: () => lost,
        reselect: async () => {
          fake.reselects += 1;
          lost = null;
          return { backend: 'webgpu' } as BackendInfo;
        },
        active: () => 'webgpu',
      },
      emit: (e: EngineEvent) => {
        if (e.type === 'recovery') fake.events.push(e);
      },
      savedStep: () => savedStep,
      drop: () => {
        fake.drops += 1;
      },
      rebuild: async (batchSize: number) => {
        fake.rebuilds.push(batchSize);
        return opts.rebuild ? opts.rebuild() : fakeSession(savedStep, batchSize);
      },
      gate: opts.gate,
    },
  };
  return fake;
}

const guardOf = (fake: Fake, options?: GuardOptions) => new RecoveryGuard(fake.host, options);

describe('RecoveryGuard for evaluation', () => {
  it('recovers from a device lost before the call, then evaluates the restored model once', async () => {
    const fake = fakeWorker({ savedStep: 4 });
    fake.lose();
    const evaluated: number[] = [];
    const out = await guardOf(fake, EVALUATION).complete(fakeSession(6), async (s) => {
      evaluated.push(s.stepsDone);
      return 'metrics';
    });
    expect(out.value).toBe('metrics');
    expect(out.session.stepsDone).toBe(4);
    expect(evaluated).toEqual([4]);
    expect(fake.reselects).toBe(1);
    expect(fake.drops).toBe(1);
    expect(fake.rebuilds).toEqual([8]);
    expect(fake.events.map((e) => [e.phase, e.activity, e.cause])).toEqual([
      ['recovering', 'evaluation', 'device-lost'],
      ['resumed', 'evaluation', 'device-lost'],
    ]);
    expect(fake.events[1].message).toBe(
      'The GPU was lost (destroyed). Your run is safe up to step 4. Evaluation continues on a new WebGPU device.',
    );
    expect(fake.events[1].failedStep).toBe(6);
  });

  it('runs the evaluation again after the device is lost during it', async () => {
    const fake = fakeWorker();
    let calls = 0;
    const out = await guardOf(fake, EVALUATION).complete(fakeSession(4), async () => {
      calls += 1;
      if (calls === 1) {
        fake.lose();
        throw new Error("Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost");
      }
      return calls;
    });
    expect(out.value).toBe(2);
    expect(fake.reselects).toBe(1);
    expect(fake.events.map((e) => e.phase)).toEqual(['recovering', 'resumed']);
  });

  it('fails with a clear message when the device is lost a second time in the same call', async () => {
    const fake = fakeWorker();
    const guard = guardOf(fake, EVALUATION);
    const work = async (): Promise<never> => {
      fake.lose();
      throw new DeviceLostError('destroyed');
    };
    await expect(guard.complete(fakeSession(4), work)).rejects.toThrow(
      /The GPU was lost \(destroyed\)\. Evaluation stopped: it failed again after a recovery\./,
    );
    expect(fake.reselects).toBe(1);
    expect(fake.events.map((e) => e.phase)).toEqual(['recovering', 'resumed', 'failed']);
    expect(fake.events[2].activity).toBe('evaluation');
  });

  it('fails, saying why, when the model cannot be restored (no checkpoint)', async () => {
    const noCheckpoint = 'this run has no saved checkpoint, so the trained model is gone with the GPU.';
    const fake = fakeWorker({ savedStep: 0, rebuild: () => Promise.reject(new Error(noCheckpoint)) });
    fake.lose();
    let ran = false;
    await expect(
      guardOf(fake, EVALUATION).complete(fakeSession(3), async () => {
        ran = true;
      }),
    ).rejects.toThrow(`The GPU was lost (destroyed). Restoring the run failed: ${noCheckpoint}`);
    expect(ran).toBe(false);
    expect(fake.events.map((e) => [e.phase, e.savedStep])).toEqual([
      ['recovering', 0],
      ['failed', 0],
    ]);
  });

  it('does not treat out-of-memory or cancellation as a lost device', async () => {
    const fake = fakeWorker();
    const oom = new RangeError('Array buffer allocation failed');
    await expect(guardOf(fake, EVALUATION).complete(fakeSession(4), () => Promise.reject(oom))).rejects.toBe(
      oom,
    );
    const cancelled = Object.assign(new Error('cancelled'), { name: 'CancelledError' });
    await expect(
      guardOf(fake, EVALUATION).complete(fakeSession(4), () => Promise.reject(cancelled)),
    ).rejects.toBe(cancelled);
    expect(fake.events).toEqual([]);
    expect(fake.reselects).toBe(0);
  });

  it('stops at the cancellation checkpoint after a recovery, without running the work again', async () => {
    const fake = fakeWorker();
    fake.lose();
    let ran = 0;
    const cancelled = Object.assign(new Error('cancelled'), { name: 'CancelledError' });
    await expect(
      guardOf(fake, EVALUATION).complete(
        fakeSession(4),
        async () => (ran += 1),
        () => Promise.reject(cancelled),
      ),
    ).rejects.toBe(cancelled);
    expect(ran).toBe(0);
    expect(fake.events.map((e) => e.phase)).toEqual(['recovering', 'resumed']);
  });
});

describe('RecoveryGuard for live scoring with a shared gate', () => {
  it('recovers once for frames that meet the same lost device together', async () => {
    const gate = new RecoveryGate();
    let release = (): void => {};
    const slowRebuild = new Promise<void>((resolve) => (release = resolve));
    const fake = fakeWorker({
      gate,
      rebuild: async () => {
        await slowRebuild;
        return fakeSession(4);
      },
    });
    fake.lose();
    const scored: number[] = [];
    const score = (frame: number) =>
      guardOf(fake, SCORING).complete(fakeSession(4), async () => {
        scored.push(frame);
        return `frame ${frame}`;
      });
    const first = score(1);
    await Promise.resolve();
    const second = score(2);
    await new Promise((r) => setTimeout(r, 0));
    // The second frame waits for the recovery instead of scoring on a half-rebuilt worker.
    expect(gate.busy).toBe(true);
    expect(scored).toEqual([]);
    release();
    expect((await first).value).toBe('frame 1');
    expect((await second).value).toBe('frame 2');
    expect(fake.reselects).toBe(1);
    expect(fake.events.map((e) => [e.phase, e.activity])).toEqual([
      ['recovering', 'scoring'],
      ['resumed', 'scoring'],
    ]);
    expect(fake.events[1].message).toContain('Live scoring continues on a new WebGPU device.');
    await gate.settled();
    expect(gate.generation).toBe(1);
  });

  it('takes the recovered session when its failure came from a device already replaced', async () => {
    const gate = new RecoveryGate();
    const fake = fakeWorker({ gate });
    let failOld = (): void => {};
    const scoring = guardOf(fake, SCORING).complete(fakeSession(4), async (s) => {
      if (s.stepsDone === 4 && fake.reselects === 0) {
        // This frame's read hangs on the old device while another command recovers.
        await new Promise<void>((resolve) => (failOld = resolve));
        throw new DeviceLostError('destroyed');
      }
      return 'scored';
    });
    fake.lose();
    await guardOf(fake, EVALUATION).complete(fakeSession(4), async () => 'evaluated');
    failOld();
    expect((await scoring).value).toBe('scored');
    expect(fake.reselects).toBe(1);
    expect(fake.events.filter((e) => e.phase === 'recovering')).toHaveLength(1);
  });
});

describe('RecoveryGuard for training (defaults unchanged)', () => {
  it('halves the batch after an out-of-memory step and keeps going', async () => {
    const fake = fakeWorker({ savedStep: 2 });
    const guard = new RecoveryGuard(fake.host);
    const out = await guard.run(fakeSession(3, 8), () =>
      Promise.reject(new Error('Cannot enlarge memory arrays (OOM).')),
    );
    expect('session' in out && out.session.config.batchSize).toBe(4);
    expect(fake.rebuilds).toEqual([4]);
    expect(fake.events.map((e) => [e.phase, e.activity, e.cause])).toEqual([
      ['recovering', 'training', 'out-of-memory'],
      ['resumed', 'training', 'out-of-memory'],
    ]);
  });
});
