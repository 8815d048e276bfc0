/// <reference types="@webgpu/types" />
// Runs device work of the training loop so that a lost GPU or an out-of-memory step ends in a
// recovery (new backend, last checkpoint, maybe a smaller batch) instead of a hang or a dead run.
import type { BackendInfo, EngineEvent } from '../engine-api';
import {
  DeviceLostError,
  MAX_RECOVERIES,
  classifyFailure,
  onOutOfMemory,
  type FailureKind,
} from '../recovery-policy';
import type { Session } from '../../src/core/pipeline/session';

/** What the guard needs from the worker's backend module. */
export interface BackendControl {
  /** The WebGPU device in use; null on other backends. */
  device(): GPUDevice | null;
  /** Why that device was lost ('destroyed', 'unknown'); null while it works. */
  lost(): string | null;
  /** Drops the active backend and selects one again (fresh WebGPU device, else WASM, ...). */
  reselect(): Promise<BackendInfo>;
  /** Name of the active backend. */
  active(): BackendInfo['backend'];
}

export interface GuardHost {
  runId(): string;
  backend: BackendControl;
  emit(event: EngineEvent): void;
  /** Step of the run's last saved checkpoint (0 = none). */
  savedStep(): number;
  /** Disposes the session and the teacher (their tensors may be on a dead backend). */
  drop(): void;
  /**
   * Re-creates the session from the run's last saved checkpoint (from the config when there is
   * none) on the active backend, with `batchSize`.
   */
  rebuild(batchSize: number): Promise<Session>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

const never = new Promise<never>(() => {});
const sleep = (ms: number): Promise<null> => new Promise((resolve) => setTimeout(() => resolve(null), ms));

/**
 * A read from a destroyed device may reject a moment before `device.lost` resolves; this long
 * after a failure the loss is known if it happened.
 */
const LOSS_SETTLE_MS = 250;

export class TrainGuard {
  private recoveries = 0;

  constructor(private readonly host: GuardHost) {}

  /**
   * Runs `work` on the active device. Resolves to its value, or to a recovered session when the
   * device was lost or memory ran out (the caller continues the loop with it). Other errors throw.
   */
  async run<T>(session: Session, work: () => Promise<T>): Promise<{ value: T } | { session: Session }> {
    const lostBefore = this.host.backend.lost();
    if (lostBefore)
      return { session: await this.recover('device-lost', session, new DeviceLostError(lostBefore)) };
    const outcome = await this.attempt(work);
    if (outcome.ok) return { value: outcome.value };
    const kind = classifyFailure(outcome.error, this.host.backend.lost() !== null);
    if (kind === 'other') throw outcome.error;
    return { session: await this.recover(kind, session, outcome.error) };
  }

  /** `work` raced against the loss of the device, inside an out-of-memory error scope. */
  private async attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    const device = this.host.backend.device();
    const lost = device ? device.lost : never;
    device?.pushErrorScope('out-of-memory');
    const running = work().then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({ ok: false, error }),
    );
    const first = await Promise.race([
      running,
      lost.then((info): Outcome<T> => ({ ok: false, error: new DeviceLostError(info.reason ?? 'unknown') })),
    ]);
    if (!device) return first;
    const scoped = await Promise.race([device.popErrorScope().catch(() => null), lost.then(() => null)]);
    if (scoped) return { ok: false, error: scoped };
    if (!first.ok && !this.host.backend.lost()) await Promise.race([lost, sleep(LOSS_SETTLE_MS)]);
    // Reads from a lost device may still resolve (with zeros): nothing computed after it is kept.
    const lostNow = this.host.backend.lost();
    if (first.ok && lostNow) return { ok: false, error: new DeviceLostError(lostNow) };
    return first;
  }

  private async recover(
    kind: Exclude<FailureKind, 'other'>,
    session: Session,
    error: unknown,
  ): Promise<Session> {
    const { host } = this;
    const failedStep = session.trainer.step;
    const config = session.config;
    const failing = host.backend.active();
    const base = { type: 'recovery' as const, runId: host.runId(), cause: kind, failedStep };
    const fail = (message: string, savedStep: number): never => {
      host.emit({
        ...base,
        phase: 'failed',
        savedStep,
        backend: host.backend.active(),
        batchSize: config.batchSize,
        message,
      });
      throw new Error(message, { cause: error });
    };
    let batchSize = config.batchSize;
    let intro: string;
    if (kind === 'out-of-memory') {
      const decision = onOutOfMemory(config);
      if (decision.action === 'stop') fail(decision.message, failedStep);
      else batchSize = decision.batchSize;
      intro = decision.message;
    } else {
      const reason =
        this.host.backend.lost() ?? (error instanceof DeviceLostError ? error.reason : 'unknown');
      intro = `The GPU was lost (${reason}).`;
    }
    this.recoveries += 1;
    if (this.recoveries > MAX_RECOVERIES)
      fail(`${intro} Training stopped after ${MAX_RECOVERIES} recoveries in a row.`, failedStep);
    host.emit({
      ...base,
      phase: 'recovering',
      savedStep: host.savedStep(),
      backend: failing,
      batchSize,
      message: `${intro} Restarting from the last saved checkpoint…`,
    });
    host.drop();
    // A lost device needs a new one; an aborted WASM module is dead too. A GPU out-of-memory
    // error leaves the device usable, and freeing the session was the point.
    if (kind === 'device-lost' || failing === 'wasm') await host.backend.reselect();
    let restored: Session;
    try {
      restored = await host.rebuild(batchSize);
    } catch (e) {
      return fail(`${intro} Restoring the run failed: ${(e as Error).message}`, 0);
    }
    const savedStep = restored.trainer.step;
    const backend = host.backend.active();
    const where =
      kind === 'device-lost' ? ` Training continues on ${describeBackend(backend, failing)}.` : '';
    host.emit({
      ...base,
      phase: 'resumed',
      savedStep,
      backend,
      batchSize,
      message: `${intro} Your run is safe up to step ${savedStep}.${where}`,
    });
    return restored;
  }
}

function describeBackend(now: BackendInfo['backend'], before: BackendInfo['backend']): string {
  const label = { webgpu: 'WebGPU', wasm: 'WASM', webgl: 'WebGL', cpu: 'the CPU' }[now];
  return now === 'webgpu' && before === 'webgpu' ? 'a new WebGPU device' : label;
}
