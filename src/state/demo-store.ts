import { create } from 'zustand';
import type { TrainConfig } from '../core/config';
import type { DatasetSummary, DemoCategory, EvaluationSummary, StepReport } from '../../workers/engine-api';
import { getEngine, newTaskId } from '../client/engine';
import { onEngineEvent } from '../client/event-bus';
import { DEMO_BUDGET_SECONDS, DEMO_PRESET } from '../ui/demo/demo-params';
import { budgetStopNote } from '../ui/demo/demo-eta';
import { pickHighlights } from '../ui/demo/heatmap';
import { useDatasetStore } from './dataset-store';
import { engineReady, errorText, isCancelled, type TaskProgress } from './engine-ready';
import { useEstimateStore } from './estimate-store';
import { useTrainStore } from './train-store';

export type DemoPhase = 'idle' | 'creating' | 'training' | 'evaluating' | 'done' | 'error';

interface DemoState {
  /** The generated dataset, once loaded (null while a user dataset is in use). */
  dataset: DatasetSummary | null;
  datasetLoading: boolean;
  datasetError: string | null;

  phase: DemoPhase;
  taskId: string | null;
  progress: TaskProgress | null;
  step: number;
  totalSteps: number;
  lastLoss: number | null;
  /** ms per step, measured: the steps after the first (which compiles) averaged; the first alone until then. */
  msPerStep: number | null;
  /** performance.now() when training started, and when the last step finished (null before the first). */
  trainStartedAt: number | null;
  lastStepAt: number | null;
  /** Training time budget of this run in seconds. */
  budgetSeconds: number;
  /** Steps done when the budget ran out (null: not yet); training stops when the step in flight finishes. */
  budgetHitAtStep: number | null;
  /** Training stopped at the time budget before the preset's steps. */
  stoppedByBudget: boolean;
  /** performance.now() at which the time budget stops training. */
  deadline: number | null;
  evaluation: EvaluationSummary | null;
  /** Test indices to show, most convincing first. */
  highlights: number[];
  /** A model exists in the worker (the demo's or the user's), so the camera can score frames. */
  hasModel: boolean;
  error: string | null;

  /** Generates and loads the built-in dataset (skipped when a user dataset is already loaded). */
  loadDataset(opts?: {
    seed?: number;
    size?: number;
    category?: DemoCategory;
    force?: boolean;
  }): Promise<void>;
  /**
   * One click: demo dataset if needed, then create, train (until the preset's steps or the time
   * budget) and evaluate the preset.
   */
  run(overrides?: Partial<TrainConfig>, budgetSeconds?: number): Promise<void>;
  cancel(): Promise<void>;
  /** Asks the worker whether a model exists (e.g. one trained in the Train tab). */
  refreshModel(): Promise<void>;
}

export const useDemoStore = create<DemoState>()((set, get) => {
  let runId: string | null = null;
  let history: StepReport[] = [];
  let firstStepAt = 0;

  onEngineEvent((e) => {
    const { taskId } = get();
    if (e.type === 'progress' && e.task === taskId)
      set({ progress: { done: e.done, total: e.total, message: e.message ?? '' } });
    else if (e.type === 'step' && runId !== null && e.runId === runId) {
      history.push(e.report);
      const now = performance.now();
      if (history.length === 1) firstStepAt = now;
      const n = history.length - 1;
      set({
        step: e.report.step,
        totalSteps: e.totalSteps,
        lastLoss: e.report.loss.total,
        msPerStep: n > 0 ? (now - firstStepAt) / n : e.report.ms,
        lastStepAt: now,
      });
    }
  });

  return {
    dataset: null,
    datasetLoading: false,
    datasetError: null,
    phase: 'idle',
    taskId: null,
    progress: null,
    step: 0,
    totalSteps: 0,
    lastLoss: null,
    msPerStep: null,
    trainStartedAt: null,
    lastStepAt: null,
    budgetSeconds: DEMO_BUDGET_SECONDS,
    budgetHitAtStep: null,
    stoppedByBudget: false,
    deadline: null,
    evaluation: null,
    highlights: [],
    hasModel: false,
    error: null,

    async loadDataset(opts = {}) {
      if (get().datasetLoading) return;
      const ds = useDatasetStore.getState();
      if (!opts.force && (ds.summary || ds.loading)) return;
      const taskId = newTaskId('demo-dataset');
      set({ datasetLoading: true, datasetError: null, taskId, progress: null });
      try {
        await engineReady();
        const summary = await getEngine().loadDemoDataset({
          taskId,
          seed: opts.seed,
          size: opts.size,
          category: opts.category,
          onlyIfEmpty: !opts.force,
        });
        if (!summary) return; // the user's own dataset came first
        set({ dataset: summary });
        // Publish it as the current dataset unless the user loaded one meanwhile.
        const now = useDatasetStore.getState();
        if (opts.force || (!now.summary && !now.loading))
          useDatasetStore.setState((s) => ({
            summary,
            generation: s.generation + 1,
            files: [],
            handle: null,
            error: null,
          }));
      } catch (err) {
        set({ datasetError: errorText(err) });
      } finally {
        set({ datasetLoading: false, taskId: null, progress: null });
      }
    },

    async run(overrides = {}, budgetSeconds = DEMO_BUDGET_SECONDS) {
      const { phase } = get();
      if (phase === 'creating' || phase === 'training' || phase === 'evaluating') return;
      const config: Partial<TrainConfig> = { ...DEMO_PRESET, ...overrides };
      runId = null;
      history = [];
      set({
        phase: 'creating',
        error: null,
        step: 0,
        totalSteps: config.steps ?? 0,
        lastLoss: null,
        msPerStep: null,
        trainStartedAt: null,
        lastStepAt: null,
        budgetSeconds,
        budgetHitAtStep: null,
        stoppedByBudget: false,
        deadline: null,
        evaluation: null,
        highlights: [],
      });
      let budgetTimer: ReturnType<typeof setTimeout> | null = null;
      try {
        if (get().datasetLoading)
          await new Promise<void>((resolve) => {
            const unsubscribe = useDemoStore.subscribe((s) => {
              if (!s.datasetLoading) {
                unsubscribe();
                resolve();
              }
            });
          });
        const current = useDatasetStore.getState().summary;
        if (!current || current.category !== get().dataset?.category)
          await get().loadDataset({ force: true });
        if (get().datasetError) throw new Error(get().datasetError ?? 'The demo dataset failed to load.');
        await engineReady();
        // A timing probe of the Train form would take the processor from the demo's time budget.
        await useEstimateStore.getState().cancel({ quiet: true });
        const engine = getEngine();
        let taskId = newTaskId('demo-create');
        set({ taskId, progress: null });
        const info = await engine.createSession(config, { taskId });
        runId = info.runId;
        set({ hasModel: true });
        taskId = newTaskId('demo-train');
        const startedAt = performance.now();
        set({
          phase: 'training',
          taskId,
          progress: null,
          trainStartedAt: startedAt,
          deadline: startedAt + budgetSeconds * 1000,
        });
        const trainTask = taskId;
        budgetTimer = setTimeout(() => {
          set({ budgetHitAtStep: get().step });
          void engine.cancel(trainTask);
        }, budgetSeconds * 1000);
        const trained = await engine.train({ taskId, checkpointEvery: 0 });
        clearTimeout(budgetTimer);
        // A pause by the time budget still evaluates; one by the Stop button ends the run.
        if (trained.paused && get().budgetHitAtStep === null)
          throw Object.assign(new Error('Stopped.'), { name: 'CancelledError' });
        // The budget ended the run: stored as stopped (a pause would offer to go on as if asked to).
        if (trained.paused) await engine.stopRun();
        set({ stoppedByBudget: trained.paused, step: trained.step });
        taskId = newTaskId('demo-eval');
        set({ phase: 'evaluating', taskId, progress: null });
        const evaluation = await engine.evaluate({ taskId });
        // Show the run in the Train tab with its loss history and how it ended.
        const final = await engine.sessionInfo();
        if (final)
          useTrainStore
            .getState()
            .adopt(
              final,
              history.slice(),
              trained.paused
                ? { status: 'stopped', note: budgetStopNote(trained.step, final.totalSteps, budgetSeconds) }
                : { status: 'finished' },
            );
        set({
          phase: 'done',
          evaluation,
          highlights: pickHighlights(evaluation.scores, evaluation.labels),
        });
      } catch (err) {
        if (isCancelled(err)) set({ phase: 'idle' });
        else set({ phase: 'error', error: errorText(err) });
      } finally {
        if (budgetTimer) clearTimeout(budgetTimer);
        set({ taskId: null, progress: null });
      }
    },

    async cancel() {
      const { taskId } = get();
      if (taskId) await getEngine().cancel(taskId);
    },

    async refreshModel() {
      const info = await getEngine()
        .sessionInfo()
        .catch(() => null);
      set({ hasModel: info !== null });
    },
  };
});

// The demo's results are of the demo's dataset and model: a dataset of the user's puts them away
// (the showcase would otherwise draw the new dataset's images under the demo's scores).
useDatasetStore.subscribe((s, prev) => {
  if (s.summary === prev.summary || !s.summary) return;
  const demo = useDemoStore.getState();
  if (demo.phase !== 'done' && demo.phase !== 'error') return;
  if (demo.dataset && s.summary.category === demo.dataset.category) return;
  useDemoStore.setState({ phase: 'idle', evaluation: null, highlights: [], error: null });
});
