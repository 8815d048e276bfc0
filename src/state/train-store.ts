import { create } from 'zustand';
import type { ConfigKey, TrainConfig } from '../core/config';
import { DEFAULT_PRESET, presetConfig } from '../core/presets';
import type { RunRecord, SessionInfo, StepReport } from '../../workers/engine-api';
import { getEngine, newTaskId, stopEngine } from '../client/engine';
import { EngineStalledError, StallWatch, guardAgainstStall, stallLimitsFrom } from '../client/stall-watch';
import { onEngineEvent } from '../client/event-bus';
import { configOf, draftOf, loadForm, pageStorage, saveForm, type ConfigDraft } from './config-draft';
import { useDatasetStore } from './dataset-store';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';
import { useEstimateStore } from './estimate-store';
import { useLiveStore } from './live-store';

export type TrainStatus =
  'idle' | 'creating' | 'training' | 'pausing' | 'paused' | 'stopped' | 'finished' | 'error';

/** The Train panel's status of a run taken over from the run store. */
function statusOf(record: RunRecord): TrainStatus {
  switch (record.status) {
    case 'training': // cut off by a reload or a crash: its checkpoint resumes like a pause
    case 'paused':
      return 'paused';
    case 'stopped':
      return 'stopped';
    case 'finished':
      return 'finished';
    case 'failed':
      return 'error';
  }
}

/** How a run taken over from elsewhere stands: from its stored record, or as its owner says. */
export interface AdoptedAs {
  /** The stored run (Runs tab): its status and target step. */
  record?: RunRecord;
  /** The status when no record says it (else: finished at its last step, paused before). */
  status?: TrainStatus;
  /** What the status alone does not say, e.g. 'at the 90 s budget after 40 of 90 steps'. */
  note?: string;
}

interface Timing {
  step: number;
  at: number;
}

interface TrainState {
  draft: ConfigDraft;
  /** Steps between saved checkpoints (what makes a run resumable after a reload); 0 = never. */
  checkpointEvery: string;
  /** The validated draft, or null with `configError` set. */
  config: TrainConfig | null;
  configError: string | null;

  status: TrainStatus;
  session: SessionInfo | null;
  taskId: string | null;
  /** Progress of session creation (teacher download, memory banks). */
  progress: TaskProgress | null;
  history: StepReport[];
  totalSteps: number;
  lastCheckpoint: number | null;
  /** Why the latest save of the run failed (cleared by the next successful save). */
  checkpointError: string | null;
  /** Recent (step, time) pairs for steps/s. */
  timing: Timing[];
  error: string | null;
  /** A plain word on how the last action ended when that was no failure (a cancelled start). */
  notice: string | null;
  /** Why the run stopped where it did, when its status alone does not say (cleared by training). */
  statusNote: string | null;

  setField(key: ConfigKey, value: string | boolean): void;
  /** Replaces the whole form (a preset). */
  setDraft(draft: ConfigDraft): void;
  setCheckpointEvery(value: string): void;
  /** Creates a session from the form and trains it. */
  start(): Promise<void>;
  pause(): Promise<void>;
  /** Continues training the current session up to `totalSteps`. */
  resume(): Promise<void>;
  /** Ends the run before its last step (saved as stopped, with that step). */
  stop(): Promise<void>;
  /** Trains a finished run on to `steps` in all (the schedule's last learning rate holds). */
  trainFurther(steps: number): Promise<void>;
  /**
   * Takes over a session re-created from a saved run (Runs tab) or trained by the demo, with its
   * past losses, its config in the form and its status (see AdoptedAs).
   */
  adopt(info: SessionInfo, history: StepReport[], as?: AdoptedAs): void;
}

/**
 * How often buffered step events reach the store (and so the charts). Each flush redraws the
 * charts, 10–30 ms of main-thread work each on a 2-core machine busy training (spread over separate
 * tasks: StepChart's `lagMs`); twice a second keeps the UI responsive (e2e/soak.spec.ts) and the
 * curves live.
 */
const FLUSH_MS = 500;
/** The status line's word after Stop during session creation. */
export const CREATION_CANCELLED = 'cancelled while creating the session; nothing was trained or saved.';
const TIMING_WINDOW = 30;
const DEFAULT_CHECKPOINT_EVERY = 25;

/** The panel's state without a run: on a first visit, and once a run is put away. */
const NO_RUN = {
  status: 'idle',
  session: null,
  history: [],
  totalSteps: 0,
  lastCheckpoint: null,
  checkpointError: null,
  timing: [],
  error: null,
  notice: null,
  statusNote: null,
} satisfies Partial<TrainState>;

export const useTrainStore = create<TrainState>()((set, get) => {
  let buffer: StepReport[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopRequested = false;
  /** Watches the running train call for an engine that stopped answering. */
  let watch: StallWatch | null = null;

  const flush = (): void => {
    timer = null;
    if (buffer.length === 0) return;
    const reports = buffer;
    buffer = [];
    const now = performance.now();
    const last = reports[reports.length - 1];
    set((s) => ({
      history: s.history.concat(reports),
      timing: [...s.timing, { step: last.step, at: now }].slice(-TIMING_WINDOW),
    }));
  };

  onEngineEvent((e) => {
    const { taskId, session } = get();
    const ofRun = e.type === 'progress' ? e.task === taskId : 'runId' in e && e.runId === session?.runId;
    if (ofRun) watch?.beat(Date.now());
    if (e.type === 'progress' && e.task === taskId)
      set({ progress: { done: e.done, total: e.total, message: e.message ?? '', etaMs: e.etaMs } });
    else if (e.type === 'step' && session && e.runId === session.runId) {
      buffer.push(e.report);
      if (e.totalSteps !== get().totalSteps) set({ totalSteps: e.totalSteps });
      timer ??= setTimeout(flush, FLUSH_MS);
    } else if (e.type === 'checkpoint' && session && e.runId === session.runId)
      set({ lastCheckpoint: e.step, checkpointError: null });
    else if (e.type === 'checkpoint-failed' && session && e.runId === session.runId)
      set({ checkpointError: `Saving step ${e.step} failed: ${e.message}` });
    else if (e.type === 'recovery' && e.phase === 'resumed' && session && e.runId === session.runId) {
      // The steps after the restored checkpoint are trained again: drop their old losses.
      const keep = (r: StepReport): boolean => r.step <= e.savedStep;
      buffer = buffer.filter(keep);
      set((s) => ({ history: s.history.filter(keep), timing: [] }));
    }
  });

  /** Runs an engine call under the stall watch (src/client/stall-watch.ts). */
  const watched = async <T>(call: Promise<T>): Promise<T> => {
    watch = new StallWatch(stallLimitsFrom(location.search), Date.now());
    const guard = guardAgainstStall(watch, () => getEngine().memory());
    try {
      return await Promise.race([call, guard.stalled]);
    } finally {
      guard.stop();
      watch = null;
    }
  };

  /** If `err` says the engine stalled: stops it, tells the user what to do, and returns true. */
  const handleStall = (err: unknown, during: string): boolean => {
    if (!(err instanceof EngineStalledError)) return false;
    const saved = get().lastCheckpoint;
    const message =
      `The engine stopped answering ${during}: on WASM this is how running out of memory shows. ` +
      'It was stopped to free the processor. Reload the page' +
      (saved ? ` and resume the run from the Runs tab (saved at step ${saved})` : '') +
      ', and choose a smaller batch or image size.';
    stopEngine(message);
    set({ status: 'error', error: message, taskId: null, progress: null });
    return true;
  };

  const train = async (): Promise<void> => {
    const { session, totalSteps } = get();
    if (!session) return;
    const taskId = newTaskId('train');
    stopRequested = false;
    set({ status: 'training', taskId, error: null, statusNote: null, timing: [] });
    const every = Math.max(0, Math.floor(Number(get().checkpointEvery) || 0));
    try {
      await useEstimateStore.getState().cancel({ quiet: true });
      const result = await watched(
        getEngine().train({
          taskId,
          untilStep: totalSteps,
          checkpointEvery: every,
          live: useLiveStore.getState().trainOptions(),
        }),
      );
      flush();
      // After Stop, stop() sets the status once the run is saved as stopped.
      if (!stopRequested) set({ status: result.paused ? 'paused' : 'finished' });
    } catch (err) {
      flush();
      // A stopped engine answers nothing more: no session refresh below.
      if (handleStall(err, `after step ${get().history.at(-1)?.step ?? session.step}`)) return;
      if (isCancelled(err)) {
        if (!stopRequested) set({ status: 'paused' });
      } else set({ status: 'error', error: errorText(err) });
    } finally {
      set({ taskId: null });
    }
    const s = get().session;
    // The worker's step count is the truth after a pause (a step may finish after cancel).
    const info = await getEngine()
      .sessionInfo()
      .catch(() => null);
    if (info && s && info.runId === s.runId) set({ session: info });
  };

  // The form as the user left it on the last page (the default preset on a first visit).
  const form = loadForm(pageStorage(), {
    draft: draftOf(presetConfig(DEFAULT_PRESET)),
    checkpointEvery: String(DEFAULT_CHECKPOINT_EVERY),
  });
  return {
    draft: form.draft,
    checkpointEvery: form.checkpointEvery,
    ...configOf(form.draft),
    ...NO_RUN,
    taskId: null,
    progress: null,

    setField(key, value) {
      const draft = { ...get().draft, [key]: value };
      set({ draft, ...configOf(draft) });
    },

    setDraft(draft) {
      set({ draft, ...configOf(draft) });
    },

    setCheckpointEvery(value) {
      set({ checkpointEvery: value });
    },

    async start() {
      const { config, status } = get();
      if (!config || status === 'creating' || status === 'training' || status === 'pausing') return;
      const taskId = newTaskId('session');
      stopRequested = false;
      set({
        status: 'creating',
        taskId,
        progress: null,
        error: null,
        notice: null,
        statusNote: null,
        session: null,
        history: [],
        timing: [],
        lastCheckpoint: null,
        checkpointError: null,
        totalSteps: config.steps,
      });
      try {
        await engineReady();
        // A timing probe would compete with the run for the processor and the memory.
        await useEstimateStore.getState().cancel({ quiet: true });
        // Stop pressed before the worker had the task: there was nothing to cancel there yet.
        if (stopRequested) {
          set({ status: 'idle', notice: CREATION_CANCELLED, taskId: null, progress: null });
          return;
        }
        const session = await watched(getEngine().createSession(config, { taskId }));
        set({ session, totalSteps: session.totalSteps, taskId: null, progress: null });
        // Stop reached the worker only after the session was made: end the run there and then.
        if (stopRequested) {
          await get().stop();
          return;
        }
      } catch (err) {
        if (handleStall(err, 'while creating the session')) return;
        const cancelled = isCancelled(err);
        set({
          status: cancelled ? 'idle' : 'error',
          error: cancelled ? null : errorText(err),
          notice: cancelled ? CREATION_CANCELLED : null,
          taskId: null,
          progress: null,
        });
        return;
      }
      await train();
    },

    async pause() {
      const { taskId, status } = get();
      if (!taskId) return;
      if (status === 'training') set({ status: 'pausing' });
      await getEngine().cancel(taskId);
    },

    async resume() {
      const { status, session } = get();
      if (!session || (status !== 'paused' && status !== 'stopped')) return;
      await train();
    },

    async trainFurther(steps) {
      const { status, session } = get();
      if (!session || status !== 'finished' || !(steps > session.step)) return;
      set({ totalSteps: steps });
      await train();
    },

    async stop() {
      const { taskId, status } = get();
      stopRequested = true;
      if (taskId && status === 'creating') {
        await getEngine().cancel(taskId);
        return;
      }
      if (taskId) {
        set({ status: 'pausing' });
        await getEngine().cancel(taskId);
        // Wait for the train call to settle (it saves the run, with its last step, as paused).
        await new Promise<void>((resolve) => {
          const unsubscribe = useTrainStore.subscribe((s) => {
            if (s.taskId === null) {
              unsubscribe();
              resolve();
            }
          });
        });
      }
      if (!get().session) return;
      try {
        const info = await getEngine().stopRun();
        set({ session: info, status: info.step >= get().totalSteps ? 'finished' : 'stopped' });
      } catch (err) {
        set({ status: 'error', error: errorText(err) });
      }
    },

    adopt(info, history, as = {}) {
      buffer = [];
      const { record } = as;
      const draft = draftOf(info.config);
      const totalSteps = record?.targetStep ?? info.totalSteps;
      const status = record
        ? statusOf(record)
        : (as.status ?? (info.step >= totalSteps ? 'finished' : 'paused'));
      set({
        session: info,
        history,
        draft,
        ...configOf(draft),
        totalSteps,
        status,
        lastCheckpoint: info.step,
        checkpointError: null,
        timing: [],
        error: status === 'error' ? `training failed at step ${record?.step ?? info.step}` : null,
        notice: null,
        statusNote: as.note ?? null,
      });
    },
  };
});

// Every change of the form (typed, or a run's config taken over) is kept for the next page.
useTrainStore.subscribe((s, prev) => {
  if (s.draft !== prev.draft || s.checkpointEvery !== prev.checkpointEvery)
    saveForm(pageStorage(), { draft: s.draft, checkpointEvery: s.checkpointEvery });
});

// A run belongs to the dataset it was made on: once a dataset is loaded (even the same folder again,
// a new set of images in the worker) the panel puts the run away, as the worker refuses to train or
// evaluate it beside them; Runs → Open brings it back with its own folder.
// The demo's settings give way to the default preset; a run of the user's leaves its settings in
// the form, ready for the new folder.
useDatasetStore.subscribe((s, prev) => {
  if (s.generation === prev.generation) return;
  const train = useTrainStore.getState();
  if (!train.session || ['creating', 'training', 'pausing'].includes(train.status)) return;
  const fromDemo = prev.summary?.fingerprint.source === 'demo';
  const draft = fromDemo ? draftOf(presetConfig(DEFAULT_PRESET)) : train.draft;
  useTrainStore.setState({ ...NO_RUN, draft, ...configOf(draft) });
});
