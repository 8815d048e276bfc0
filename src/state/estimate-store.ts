import { create } from 'zustand';
import type { TrainConfig } from '../core/config';
import { timingKey, type StepTiming } from '../core/perf/run-time';
import type { ProbeOutcome } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { pageStorage, type KeyValueStorage } from './config-draft';
import { useDatasetStore } from './dataset-store';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';
import { useEngineStore } from './engine-store';

interface Measuring {
  key: string;
  taskId: string;
  progress: TaskProgress | null;
}

interface EstimateState {
  /** Probe outcomes by timing key (`keyFor`): switching back to a measured configuration is instant. */
  outcomes: Record<string, ProbeOutcome>;
  /** The probe running now. */
  measuring: Measuring | null;
  /** Why the probe of a key failed or stopped; such a key is measured again only on request. */
  failed: Record<string, string>;
  /** Times `config` (under `key`) unless it is measured or being measured; cancels another probe first. */
  measure(config: TrainConfig, key: string): Promise<void>;
  /**
   * Stops the probe in flight (if any) and resolves once the engine has let go of it. A user's
   * cancel is remembered (that configuration is not measured again on its own); `quiet` (other
   * work needs the engine) is not.
   */
  cancel(opts?: { quiet?: boolean }): Promise<void>;
}

/**
 * Where a probe holds: the backend and the stored image side of the loaded dataset (synthesis and
 * resizing run at that side) besides the options a step's time depends on. Null while either is
 * unknown.
 */
export function keyFor(config: TrainConfig): string | null {
  const backend = useEngineStore.getState().info?.backend;
  const stored = useDatasetStore.getState().summary?.size;
  return backend && stored ? timingKey(config, `${backend}/${stored}px`) : null;
}

/** The measured timing of `config` here, if any. */
export function timingFor(config: TrainConfig): StepTiming | null {
  const key = keyFor(config);
  const outcome = key ? useEstimateStore.getState().outcomes[key] : undefined;
  return outcome?.kind === 'measured' ? outcome.probe : null;
}

const STORAGE_KEY = 'dmgrd-playground.step-timings.v1';
/** Kept across reloads, newest last; older ones are dropped beyond this. */
const STORED_OUTCOMES = 40;

function loadOutcomes(storage: KeyValueStorage | null): Record<string, ProbeOutcome> {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}');
    if (typeof raw !== 'object' || raw === null) return {};
    const out: Record<string, ProbeOutcome> = {};
    for (const [key, v] of Object.entries(raw as Record<string, ProbeOutcome>))
      if (v?.kind === 'measured' && Number.isFinite(v.probe?.stepMs) && Number.isFinite(v.probe?.setupMs))
        out[key] = v;
    return out;
  } catch {
    return {};
  }
}

function saveOutcomes(storage: KeyValueStorage | null, outcomes: Record<string, ProbeOutcome>): void {
  // Declined configurations are asked again on the next page: the reason may have gone.
  const measured = Object.entries(outcomes).filter(([, v]) => v.kind === 'measured');
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(measured.slice(-STORED_OUTCOMES))));
  } catch {
    // Storage full or blocked: the timings are measured again next time.
  }
}

export const useEstimateStore = create<EstimateState>()((set, get) => {
  /** Settles when the probe in flight has returned, whatever the outcome. */
  let running: Promise<void> = Promise.resolve();
  /** The probe in flight was stopped for other work, not by the user. */
  let quietly = false;

  onEngineEvent((e) => {
    const m = get().measuring;
    if (e.type === 'progress' && m && e.task === m.taskId)
      set({ measuring: { ...m, progress: { done: e.done, total: e.total, message: e.message ?? '' } } });
  });

  const cancel = async ({ quiet = false } = {}): Promise<void> => {
    const m = get().measuring;
    if (m) {
      quietly = quiet;
      await getEngine().cancel(m.taskId);
    }
    await running;
  };

  return {
    outcomes: loadOutcomes(pageStorage()),
    measuring: null,
    failed: {},
    cancel,

    async measure(config, key) {
      if (get().outcomes[key] || get().measuring?.key === key) return;
      await cancel({ quiet: true });
      const taskId = newTaskId('probe');
      quietly = false;
      const failed = { ...get().failed };
      delete failed[key];
      set({ measuring: { key, taskId, progress: null }, failed });
      let settle = (): void => {};
      running = new Promise((resolve) => (settle = resolve));
      try {
        await engineReady();
        const outcome = await getEngine().measureTraining(config, { taskId });
        const outcomes = { ...get().outcomes, [key]: outcome };
        set({ outcomes });
        saveOutcomes(pageStorage(), outcomes);
      } catch (err) {
        if (!(isCancelled(err) && quietly)) {
          const why = isCancelled(err) ? 'Measuring was cancelled.' : `Measuring failed: ${errorText(err)}`;
          set({ failed: { ...get().failed, [key]: why } });
        }
      } finally {
        if (get().measuring?.taskId === taskId) set({ measuring: null });
        settle();
      }
    },
  };
});
