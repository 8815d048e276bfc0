import { useEffect } from 'react';
import type { RunRecord } from '../../../workers/engine-api';
import { useRunsStore } from '../../state/runs-store';
import { useTrainStore } from '../../state/train-store';
import { ProgressBar } from '../common/ProgressBar';
import { RunCompare } from '../runs/RunCompare';
import { RunDatasetPrompt } from '../runs/RunDatasetPrompt';
import { RunRow } from '../runs/RunRow';

/** What the open run can be used for, and where. */
function OpenRunNote() {
  const session = useTrainStore((s) => s.session);
  const status = useTrainStore((s) => s.status);
  if (!session) return null;
  return (
    <p className="muted" data-testid="runs-open-note">
      Open: <code>{session.runId}</code> at step {session.step} ({status}). Evaluate it in{' '}
      <a href="#results">Results</a>, explore its memory banks in <a href="#memory">Memory</a>, download it in{' '}
      <a href="#export">Export</a>, or train it in <a href="#train">Train</a>.
    </p>
  );
}

/** Runs saved in this browser: open, resume, train further, delete, compare. */
export function RunsPanel() {
  const { runs, loaded, error, compare, refresh, opening, openProgress, openError } = useRunsStore();
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
      <p className="muted">
        Each run keeps its config, its dataset's fingerprint, its last step's checkpoint and its latest
        metrics. Open one to evaluate, explore, export or train it further; its dataset is loaded again or
        asked for.
      </p>
      <OpenRunNote />
      <RunDatasetPrompt />
      {opening && openProgress && (
        <ProgressBar
          label="Opening the run"
          done={openProgress.done}
          total={openProgress.total}
          message={openProgress.message}
        />
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {openError && (
        <p className="alert" role="alert" data-testid="runs-open-error">
          Could not open the run: {openError}
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
                <th scope="col" title="Image AUROC / pixel AUROC / PRO (FPR ≤ 0.3), at the last evaluation">
                  I-AUROC / P-AUROC / PRO@0.3
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.id} run={r} busy={busy} />
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
