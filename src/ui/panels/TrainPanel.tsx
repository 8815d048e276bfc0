import { useContext, useEffect, useMemo, useState } from 'react';
import { CONFIG_SCHEMA } from '../../core/config';
import { secondsLeft } from '../../core/perf/run-time';
import { useDatasetStore } from '../../state/dataset-store';
import { useEngineStore } from '../../state/engine-store';
import { useEstimateStore } from '../../state/estimate-store';
import { useTrainStore, type TrainStatus } from '../../state/train-store';
import { ProgressBar } from '../common/ProgressBar';
import { PanelShown, useHeldWhileHidden } from '../panel-shown';
import { StepChart } from '../train/charts';
import { useAutoEstimate } from '../train/auto-estimate';
import { LiveMaps } from '../train/LiveMaps';
import { ConfigForm } from '../train/ConfigForm';
import { gradNormCostLine } from '../train/estimate-text';
import { PresetPicker } from '../train/PresetPicker';
import { RunEstimate } from '../train/RunEstimate';
import { useLoadedTeacher } from '../train/loaded-teacher';
import { lossHints } from '../train/loss-hints';
import { formatBytes, formatDuration } from '../train/format';
import {
  GRAD_SERIES,
  LOSS_SERIES,
  LR_SERIES,
  MAX_POINTS,
  gradChartEmptyText,
  gradRows,
  lossRows,
  lrRows,
} from '../train/series';

const MEMORY_POLL_MS = 2000;

const STATUS_TEXT: Record<TrainStatus, string> = {
  idle: 'Not started',
  creating: 'Creating the session (teacher, network, memory banks)…',
  training: 'Training',
  pausing: 'Stopping after the current step…',
  paused: 'Paused',
  stopped: 'Stopped',
  finished: 'Finished',
  error: 'Failed',
};

function useMemoryPolling(enabled: boolean): void {
  const refresh = useEngineStore((s) => s.refreshMemory);
  useEffect(() => {
    if (!enabled) return;
    const poll = (): void => void refresh().catch(() => undefined);
    poll();
    const timer = setInterval(poll, MEMORY_POLL_MS);
    return () => clearInterval(timer);
  }, [enabled, refresh]);
}

/** A finished run trains on to a new step count, at the schedule's last learning rate. */
function TrainFurther({ step }: { step: number }) {
  const trainFurther = useTrainStore((s) => s.trainFurther);
  const [steps, setSteps] = useState(() => String(step * 2));
  const n = Number(steps);
  const valid = Number.isInteger(n) && n > step;
  return (
    <span className="train-further">
      <label>
        to step{' '}
        <input
          type="number"
          min={step + 1}
          step={1}
          value={steps}
          onChange={(e) => setSteps(e.currentTarget.value)}
          aria-invalid={!valid}
          data-testid="train-further-steps"
        />
      </label>
      <button
        type="button"
        onClick={() => void trainFurther(n)}
        disabled={!valid}
        title={
          valid
            ? `Train on to step ${n}; the learning rate stays at the schedule's last value`
            : `Give a step count above ${step}.`
        }
        data-testid="train-further"
      >
        Train further
      </button>
    </span>
  );
}

/** Configure, start / pause / resume / stop training and watch every loss term live. */
export function TrainPanel() {
  const t = useTrainStore();
  const summary = useDatasetStore((s) => s.summary);
  const engineStatus = useEngineStore((s) => s.status);
  const backend = useEngineStore((s) => s.info?.backend ?? null);
  const memory = useEngineStore((s) => s.memory);
  const [log, setLog] = useState(false);
  // The form is open until a run exists (then the curves need the room) unless the user toggled it.
  const runId = t.session?.runId ?? null;
  const [toggled, setToggled] = useState<{ runId: string | null; open: boolean } | null>(null);
  const formOpen = toggled && toggled.runId === runId ? toggled.open : runId === null;
  const shown = useContext(PanelShown);
  const loadedTeacher = useLoadedTeacher();
  const timingKey = useAutoEstimate(t.config, shown);
  const outcome = useEstimateStore((s) => (timingKey ? s.outcomes[timingKey] : undefined));
  const timing = outcome?.kind === 'measured' ? outcome.probe : null;
  const gradNormCost = t.config ? gradNormCostLine(timing, t.config.gradNormEvery) : null;
  useMemoryPolling(engineStatus === 'ready' && shown);

  // Off screen the curves hold still (the panel stays live, see TabPanels); a showing draws them once.
  const history = useHeldWhileHidden(t.history);
  const losses = useMemo(() => lossRows(history, log), [history, log]);
  const grads = useMemo(() => gradRows(history, log), [history, log]);
  const lrs = useMemo(() => lrRows(history), [history]);
  const runConfig = t.session?.config ?? t.config;
  const hints = useMemo(() => (runConfig ? lossHints(runConfig, history) : []), [runConfig, history]);

  const busy = t.status === 'creating' || t.status === 'training' || t.status === 'pausing';
  // PatchCore is fitted, not trained: its progress events count images, then coreset centres, and
  // carry the fit's own estimate (an image and a centre take very different times).
  const fitting = t.session?.config.model === 'patchcore';
  const fitProgress = fitting && t.status !== 'creating' ? t.progress : null;
  const last = t.history[t.history.length - 1];
  const step = Math.max(last?.step ?? 0, t.session?.step ?? 0, fitProgress?.done ?? 0);
  const first = t.timing[0];
  const latest = t.timing[t.timing.length - 1];
  const rate =
    first && latest && latest.at > first.at
      ? ((latest.step - first.step) * 1000) / (latest.at - first.at)
      : null;
  const eta = fitting
    ? fitProgress?.etaMs !== undefined
      ? fitProgress.etaMs / 1000
      : null
    : rate
      ? secondsLeft(step, t.totalSteps, rate)
      : null;
  const canStart = !busy && !!t.config && !!summary && engineStatus === 'ready';

  return (
    <div className="train-panel">
      {!summary && (
        <p className="warn" data-testid="train-needs-dataset">
          Load a dataset first (Dataset tab); training uses its training images.
        </p>
      )}
      <PresetPicker
        config={t.config}
        timing={timing}
        backend={backend}
        loadedTeacher={loadedTeacher}
        disabled={busy}
      />
      <RunEstimate
        config={t.config}
        timingKey={timingKey}
        hasDataset={!!summary}
        runningSecondsLeft={t.status === 'training' ? eta : undefined}
      />
      <details
        className="config-details"
        open={formOpen}
        onToggle={(e) => setToggled({ runId, open: e.currentTarget.open })}
        data-testid="config-details"
      >
        <summary>
          Configuration
          {t.config && (
            <span className="muted">
              {' '}
              — {t.config.model} / {t.config.teacher}, {t.config.imageSize} px,{' '}
              {t.config.model === 'patchcore'
                ? `coreset ${100 * t.config.coresetFraction} %`
                : `batch ${t.config.batchSize}, ${t.config.steps} steps`}
            </span>
          )}
        </summary>
        <ConfigForm
          draft={t.draft}
          disabled={busy}
          error={t.configError}
          checkpointEvery={t.checkpointEvery}
          loadedTeacher={loadedTeacher}
          fieldNotes={{
            gradNormEvery: gradNormCost && (
              <small className="muted" data-testid="grad-norm-cost">
                {gradNormCost}
              </small>
            ),
          }}
          onChange={t.setField}
          onCheckpointEvery={t.setCheckpointEvery}
        />
      </details>
      {!formOpen && t.configError && (
        <p className="alert" role="alert">
          {t.configError}
        </p>
      )}

      <div className="actions train-actions" role="group" aria-label="Training controls">
        <button type="button" onClick={() => void t.start()} disabled={!canStart} data-testid="train-start">
          {t.session ? 'Start new run' : 'Start'}
        </button>
        <button
          type="button"
          onClick={() => void t.pause()}
          disabled={t.status !== 'training'}
          data-testid="train-pause"
        >
          Pause
        </button>
        <button
          type="button"
          onClick={() => void t.resume()}
          disabled={(t.status !== 'paused' && t.status !== 'stopped') || !t.session}
          data-testid="train-resume"
        >
          Resume
        </button>
        <button
          type="button"
          onClick={() => void t.stop()}
          disabled={!(busy || t.status === 'paused')}
          data-testid="train-stop"
        >
          Stop
        </button>
        {t.status === 'finished' && t.session && <TrainFurther step={step} />}
      </div>

      <section className="train-status" aria-labelledby="train-status-heading">
        <h3 id="train-status-heading">Status</h3>
        <p data-testid="train-status" data-status={t.status} aria-live="polite">
          {fitting && t.status === 'training' ? 'Fitting the memory' : STATUS_TEXT[t.status]}
          {t.statusNote && ` ${t.statusNote}`}
          {t.error && `: ${t.error}`}
          {t.notice && `: ${t.notice}`}
        </p>
        {t.status === 'error' && engineStatus === 'error' && (
          <button type="button" onClick={() => location.reload()} data-testid="train-reload">
            Reload page
          </button>
        )}
        {t.status === 'creating' && t.progress && (
          <ProgressBar
            label="Session creation"
            done={t.progress.done}
            total={t.progress.total}
            message={t.progress.message}
            testId="session-progress"
          />
        )}
        {t.session && (
          <>
            <ProgressBar
              label={fitting ? 'Fit steps (training images, then coreset centres)' : 'Training steps'}
              done={step}
              total={t.totalSteps}
              message={fitProgress?.message}
              testId="train-progress"
            />
            <dl className="facts inline-facts">
              <dt>Step</dt>
              <dd data-testid="train-step" data-step={step}>
                {step} / {t.totalSteps}
              </dd>
              <dt>Speed</dt>
              <dd data-testid="train-rate">{rate ? `${rate.toFixed(2)} steps/s` : '—'}</dd>
              <dt>ETA</dt>
              <dd data-testid="train-eta">
                {t.status === 'training' && eta !== null ? formatDuration(eta) : '—'}
              </dd>
              <dt>Last step</dt>
              <dd>{last ? `${last.ms.toFixed(0)} ms` : '—'}</dd>
              <dt>Backend</dt>
              <dd data-testid="train-backend">{backend ?? '…'}</dd>
              <dt>Tensors</dt>
              <dd data-testid="train-memory">
                {memory
                  ? `${memory.numTensors} tensors, ${formatBytes(memory.numBytes)}${
                      memory.numBytesInGPU !== null ? `, ${formatBytes(memory.numBytesInGPU)} on GPU` : ''
                    }`
                  : '…'}
              </dd>
              <dt>Run</dt>
              <dd data-testid="train-run-id">
                {t.session.runId} · {t.session.config.model} / {t.session.config.teacher} ·{' '}
                {t.session.parameters.toLocaleString()} parameters
              </dd>
              <dt>Checkpoint</dt>
              <dd data-testid="train-checkpoint">
                {t.lastCheckpoint !== null ? `saved at step ${t.lastCheckpoint}` : 'none yet'}
                {t.checkpointError !== null && (
                  <span role="alert" className="alert" data-testid="train-checkpoint-error">
                    {' '}
                    {t.checkpointError} Training goes on; the run resumes from the last saved step.
                  </span>
                )}
              </dd>
            </dl>
            {t.session.notes.length > 0 && (
              <ul className="notes" data-testid="session-notes" aria-label="Session notes">
                {t.session.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>

      {!fitting && <LiveMaps disabled={busy} />}

      {fitting ? (
        <section aria-labelledby="train-charts-heading">
          <h3 id="train-charts-heading">Live curves</h3>
          <p className="muted" data-testid="fit-note">
            PatchCore is not trained, so it has no loss curves: its fit runs the training images through the
            frozen teacher and keeps a coreset of their patch features. The progress above counts the images,
            then the coreset centres.
          </p>
        </section>
      ) : (
        <section aria-labelledby="train-charts-heading">
          <div className="chart-head">
            <h3 id="train-charts-heading">Live curves</h3>
            <label>
              <input
                type="checkbox"
                checked={log}
                onChange={(e) => setLog(e.currentTarget.checked)}
                data-testid="chart-log"
              />{' '}
              log scale
            </label>
            <span className="muted">
              {t.history.length > 0 &&
                `${t.history.length} steps, ≤ ${Math.min(t.history.length, MAX_POINTS)} points drawn`}
            </span>
          </div>
          <div className="chart-grid">
            <StepChart
              title="Loss terms (unweighted) and weighted total"
              rows={losses}
              series={LOSS_SERIES}
              log={log}
              testId="loss-chart"
            />
            <StepChart
              title="Gradient norm of each weighted term (measured steps only)"
              rows={grads}
              series={GRAD_SERIES}
              log={log}
              dots={grads.length <= 60}
              testId="grad-chart"
              emptyText={gradChartEmptyText(
                (t.session?.config ?? t.config)?.gradNormEvery ?? CONFIG_SCHEMA.gradNormEvery.default,
              )}
              lagMs={150}
            />
            <StepChart
              title="Learning rate"
              rows={lrs}
              series={LR_SERIES}
              log={log}
              testId="lr-chart"
              lagMs={300}
            />
          </div>
          {hints.length > 0 && (
            <ul
              className="muted small loss-hints"
              data-testid="loss-hints"
              aria-label="Why some terms are flat"
            >
              {hints.map((h) => (
                <li key={h.term} data-term={h.term}>
                  {h.text}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
