/// <reference types="@webgpu/types" />
// Runs device work (training steps, an evaluation, a live frame, an exploration, an export) so that
// a lost GPU or an out-of-memory step ends in a recovery (new backend, last checkpoint, maybe a
// smaller batch) instead of a hang or a dead run.
import type { BackendInfo, EngineEvent, RecoveryActivity } from '../engine-api';
import {
  DeviceLostError,
  MAX_RECOVERIES,
  classifyFailure,
  onOutOfMemory,
  type FailureKind,
} from '../recovery-policy';
import type { ModelSession } from '../../src/core/pipeline/model-session';

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
  rebuild(batchSize: number): Promise<ModelSession>;
  /** Shared by every guard of one worker, so concurrent commands never rebuild the backend twice. */
  gate?: RecoveryGate;
}

type Recoverable = Exclude<FailureKind, 'other'>;

/** What a guard protects, and how much recovery it may spend on it. */
export interface GuardOptions {
  activity: RecoveryActivity;
  /** More recoveries than this in one guarded call stop it. */
  maxRecoveries: number;
  /** Failures recovered from; any other failure is thrown as is. */
  recovers: readonly Recoverable[];
}

export const TRAINING: GuardOptions = {
  activity: 'training',
  maxRecoveries: MAX_RECOVERIES,
  recovers: ['device-lost', 'out-of-memory'],
};
/** Evaluation and live scoring have no batch to shrink: only a lost device is recovered, once. */
export const EVALUATION: GuardOptions = {
  activity: 'evaluation',
  maxRecoveries: 1,
  recovers: ['device-lost'],
};
export const SCORING: GuardOptions = { activity: 'scoring', maxRecoveries: 1, recovers: ['device-lost'] };
export const EXPLORING: GuardOptions = { activity: 'exploring', maxRecoveries: 1, recovers: ['device-lost'] };
/** An export after a loss writes the restored model: the last checkpoint's, as the banner says. */
export const EXPORTING: GuardOptions = { activity: 'exporting', maxRecoveries: 1, recovers: ['device-lost'] };

const ACTIVITY_LABEL: Record<RecoveryActivity, string> = {
  training: 'Training',
  evaluation: 'Evaluation',
  scoring: 'Live scoring',
  exploring: 'The memory explorer',
  exporting: 'The export',
};

/**
 * One recovery at a time per worker: a command that meets the loss while another one recovers
 * (or just after it did) takes that recovery's session instead of rebuilding the backend again.
 */
export class RecoveryGate {
  private inFlight: Promise<ModelSession> | null = null;
  private latest: Promise<ModelSession> | null = null;
  /** Completed recoveries; a failure seen under an older generation was already recovered from. */
  generation = 0;

  get busy(): boolean {
    return this.inFlight !== null;
  }

  /** The session of the recovery in flight, else of the last one. */
  joined(): Promise<ModelSession> {
    return this.inFlight ?? this.latest ?? Promise.reject(new Error('No recovery to join.'));
  }

  /** Resolves once no recovery is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => null);
  }

  async run(recover: () => Promise<ModelSession>): Promise<ModelSession> {
    if (this.inFlight) return this.inFlight;
    const running = recover();
    this.inFlight = running;
    this.latest = running;
    try {
      return await running;
    } finally {
      this.inFlight = null;
      this.generation += 1;
    }
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

const never = new Promise<never>(() => {});
const sleep = (ms: number): Promise<null> => new Promise((resolve) => setTimeout(() => resolve(null), ms));

/**
 * A read from a destroyed device may reject a moment before `device.lost` resolves; this long
 * after a failure the loss is known if it happened.
 */
const LOSS_SETTLE_MS = 250;

export class RecoveryGuard {
  private recoveries = 0;

  constructor(
    private readonly host: GuardHost,
    private readonly options: GuardOptions = TRAINING,
  ) {}

  /**
   * Runs `work` on the active device. Resolves to its value, or to a recovered session when the
   * device was lost or memory ran out (the caller continues the loop with it). Other errors throw.
   */
  async run<T>(
    session: ModelSession,
    work: () => Promise<T>,
  ): Promise<{ value: T } | { session: ModelSession }> {
    const { gate } = this.host;
    if (gate?.busy) return { session: await gate.joined() };
    const generation = gate?.generation ?? 0;
    const lostBefore = this.host.backend.lost();
    if (lostBefore)
      return { session: await this.recover('device-lost', session, new DeviceLostError(lostBefore)) };
    const outcome = await this.attempt(work);
    if (outcome.ok) return { value: outcome.value };
    const kind = classifyFailure(outcome.error, this.host.backend.lost() !== null);
    if (kind === 'other' || !this.options.recovers.includes(kind)) throw outcome.error;
    // Another command already replaced the device this work failed on.
    if (gate && (gate.busy || gate.generation !== generation)) return { session: await gate.joined() };
    return { session: await this.recover(kind, session, outcome.error) };
  }

  /**
   * Runs `work` until it completes, on the session a recovery hands back when the device is lost
   * under it. `between` runs after each recovery (a task's cancellation checkpoint).
   */
  async complete<T>(
    session: ModelSession,
    work: (session: ModelSession) => Promise<T>,
    between: () => Promise<void> = async () => {},
  ): Promise<{ value: T; session: ModelSession }> {
    let current = session;
    for (;;) {
      const outcome = await this.run(current, () => work(current));
      if ('value' in outcome) return { value: outcome.value, session: current };
      current = outcome.session;
      await between();
    }
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

  private recover(kind: Recoverable, session: ModelSession, error: unknown): Promise<ModelSession> {
    const recover = () => this.recoverNow(kind, session, error);
    return this.host.gate ? this.host.gate.run(recover) : recover();
  }

  private async recoverNow(kind: Recoverable, session: ModelSession, error: unknown): Promise<ModelSession> {
    const { host } = this;
    const { activity, maxRecoveries } = this.options;
    const label = ACTIVITY_LABEL[activity];
    const failedStep = session.stepsDone;
    const config = session.config;
    const failing = host.backend.active();
    const base = { type: 'recovery' as const, runId: host.runId(), cause: kind, failedStep, activity };
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
    if (this.recoveries > maxRecoveries)
      fail(
        maxRecoveries === 1
          ? `${intro} ${label} stopped: it failed again after a recovery. Try again; if it keeps failing, reload the page or use the WASM backend (?backend=wasm).`
          : `${intro} ${label} stopped after ${maxRecoveries} recoveries in a row.`,
        failedStep,
      );
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
    let restored: ModelSession;
    try {
      restored = await host.rebuild(batchSize);
    } catch (e) {
      return fail(`${intro} Restoring the run failed: ${(e as Error).message}`, 0);
    }
    const savedStep = restored.stepsDone;
    const backend = host.backend.active();
    const where =
      kind === 'device-lost' ? ` ${label} continues on ${describeBackend(backend, failing)}.` : '';
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
