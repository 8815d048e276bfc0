import { useState } from 'react';
import type { RunRecord } from '../../../workers/engine-api';
import { describeDataset } from '../../core/data/fingerprint';
import { useRunsStore } from '../../state/runs-store';
import { useTrainStore } from '../../state/train-store';
import { formatMetric } from '../train/format';
import { runActions, targetStep } from './run-actions';

/** One stored run: what it is, where it stands, and what can be done with it. */
export function RunRow({ run, busy }: { run: RunRecord; busy: boolean }) {
  const { compare, toggleCompare, remove, open, resume, trainFurther, opening } = useRunsStore();
  const current = useTrainStore((s) => s.session?.runId === run.id);
  const [confirming, setConfirming] = useState(false);
  const [further, setFurther] = useState(() => String(targetStep(run) * 2));
  const actions = runActions(run, current, busy);
  const blocked = actions.openBlock !== null || opening !== null;
  const furtherSteps = Number(further);
  const furtherValid = Number.isInteger(furtherSteps) && furtherSteps > run.step;
  const fp = run.datasetFingerprint;
  // Training a run shows it in the Train tab (App follows the hash); back here when it could not
  // be opened, or its folder is asked for.
  const trainIn = (work: Promise<boolean>): void => {
    window.location.hash = 'train';
    void work.then((opened) => {
      if (!opened) window.location.hash = 'runs';
    });
  };
  return (
    <tr data-testid="run-row" data-run-id={run.id} data-status={actions.status}>
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
      <td title={fp ? describeDataset(fp) : 'Saved before datasets were recorded with their runs.'}>
        {run.dataset}
        {fp && <span className="muted"> · {fp.storedSize} px</span>}
      </td>
      <td>
        {run.config.model} / {run.config.teacher}
        <span className="muted">
          {' '}
          · {run.config.imageSize} px{run.backend ? ` · ${run.backend}` : ''}
        </span>
      </td>
      <td>
        {run.step} / {targetStep(run)}
        {run.hasCheckpoint && run.checkpointStep !== run.step && (
          <span className="muted" title="A later save failed: opening restores this step.">
            {' '}
            (saved {run.checkpointStep})
          </span>
        )}
      </td>
      <td>
        <span className={`badge status-${actions.status}`} data-testid="run-status">
          {actions.status}
        </span>
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
          onClick={() => void open(run.id)}
          disabled={blocked || current}
          title={
            actions.openBlock ??
            (current
              ? 'This run is open.'
              : 'Load its model and config: evaluate, explore, export, train further')
          }
          data-testid="run-open"
        >
          {opening === run.id ? 'Opening…' : 'Open'}
        </button>
        {actions.resume && (
          <button
            type="button"
            onClick={() => trainIn(resume(run.id))}
            disabled={blocked}
            title={actions.openBlock ?? `Continue training from step ${run.checkpointStep ?? run.step}`}
            data-testid="run-resume"
          >
            Resume
          </button>
        )}
        {actions.trainFurther && (
          <span className="row-further">
            <label>
              <span className="sr-only">Train further to step</span>
              <input
                type="number"
                min={run.step + 1}
                step={1}
                value={further}
                onChange={(e) => setFurther(e.currentTarget.value)}
                aria-invalid={!furtherValid}
                data-testid="run-further-steps"
              />
            </label>
            <button
              type="button"
              onClick={() => trainIn(trainFurther(run.id, furtherSteps))}
              disabled={blocked || !furtherValid}
              title={
                actions.openBlock ??
                (furtherValid
                  ? `Train on to step ${furtherSteps} at the schedule's last learning rate`
                  : `Give a step count above ${run.step}.`)
              }
              data-testid="run-further"
            >
              Train further
            </button>
          </span>
        )}
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
