import { useEffect, useState } from 'react';
import type { RunRecord } from '../../../workers/engine-api';
import { useDatasetStore } from '../../state/dataset-store';
import { useRunsStore } from '../../state/runs-store';
import { useTrainStore } from '../../state/train-store';
import { RunCompare } from '../runs/RunCompare';
import { formatMetric } from '../train/format';

function RunRow({ run, busy, datasetLoaded }: { run: RunRecord; busy: boolean; datasetLoaded: boolean }) {
  const { compare, toggleCompare, remove, resume, resuming } = useRunsStore();
  const current = useTrainStore((s) => s.session?.runId === run.id);
  const [confirming, setConfirming] = useState(false);
  // A run saved as training that this page is not training was cut off by a reload or a crash.
  const shownStatus = run.status === 'training' && !(current && busy) ? 'interrupted' : run.status;
  const resumeBlock = !run.hasCheckpoint
    ? 'No checkpoint was saved for this run.'
    : run.step >= run.config.steps
      ? 'This run reached its last step.'
      : !datasetLoaded
        ? 'Load the dataset again (Dataset tab) before resuming.'
        : busy
          ? 'Another run is training.'
          : null;
  return (
    <tr data-testid="run-row" data-run-id={run.id} data-status={run.status}>
      <td>
        <input
          type="checkbox"
          checked={compare.includes(run.id)}
          onChange={() => toggleCompare(run.id)}
          aria-label={`Compare run ${run.id}`}
          data-testid="run-compare-toggle"
        />
      </td>
      <td title={run.id}>
        {new Date(run.createdAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}
      </td>
      <td>{run.dataset}</td>
      <td>
        {run.config.model} / {run.config.teacher}
        <span className="muted"> · {run.config.imageSize} px</span>
      </td>
      <td>
        {run.step} / {run.config.steps}
      </td>
      <td>
        <span className={`badge status-${shownStatus}`}>{shownStatus}</span>
        {current && <span className="muted"> (open)</span>}
      </td>
      <td>
        {run.metrics
          ? `${formatMetric(run.metrics.imageAuroc)} / ${formatMetric(run.metrics.pixelAuroc)} / ${formatMetric(run.metrics.proMvtec03)}`
          : '—'}
      </td>
      <td className="row-actions">
        <button
          type="button"
          onClick={() => {
            // The Train tab shows the resumed run (App follows the hash).
            window.location.hash = 'train';
            void resume(run.id);
          }}
          disabled={resumeBlock !== null || resuming !== null || current}
          title={resumeBlock ?? 'Re-create the model from its last checkpoint and continue training'}
          data-testid="run-resume"
        >
          {resuming === run.id ? 'Resuming…' : 'Resume'}
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => void remove(run.id)}
              data-testid="run-delete-confirm"
            >
              Really delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() => setConfirming(true)}
            disabled={current && busy}
            data-testid="run-delete"
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

/** Runs saved in this browser: resume, delete, compare. */
export function RunsPanel() {
  const { runs, loaded, error, compare, refresh, resumeError } = useRunsStore();
  const datasetLoaded = useDatasetStore((s) => s.summary !== null);
  const status = useTrainStore((s) => s.status);
  const busy = status === 'creating' || status === 'training' || status === 'pausing';

  useEffect(() => {
    void refresh();
  }, [refresh, status]);

  const picked = compare.map((id) => runs.find((r) => r.id === id)).filter((r): r is RunRecord => !!r);

  return (
    <div className="runs-panel">
      <div className="actions">
        <button type="button" onClick={() => void refresh()} data-testid="runs-refresh">
          Refresh
        </button>
      </div>
      {!datasetLoaded && (
        <p className="muted">Resuming a run needs its dataset: load it again in the Dataset tab first.</p>
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {resumeError && (
        <p className="alert" role="alert" data-testid="runs-resume-error">
          Could not resume: {resumeError}
        </p>
      )}
      {loaded && runs.length === 0 ? (
        <p className="placeholder" data-testid="runs-empty">
          No runs yet. Runs are saved in this browser while they train.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="runs-table" data-testid="runs-table">
            <caption className="sr-only">Saved runs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Created</th>
                <th scope="col">Dataset</th>
                <th scope="col">Model / teacher</th>
                <th scope="col">Step</th>
                <th scope="col">Status</th>
                <th scope="col" title="Image AUROC / pixel AUROC / PRO (FPR ≤ 0.3)">
                  Metrics
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.id} run={r} busy={busy} datasetLoaded={datasetLoaded} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {picked.length === 2 ? (
        <RunCompare runs={[picked[0], picked[1]]} />
      ) : (
        runs.length > 1 && <p className="muted">Tick two runs to compare their losses and metrics.</p>
      )}
    </div>
  );
}
