import type { ReactNode } from 'react';
import type { TrainConfig } from '../../core/config';
import { LIVE_MAX_SHARE } from '../../core/pipeline/live-maps';
import { useEstimateStore } from '../../state/estimate-store';
import { useLiveStore } from '../../state/live-store';
import { ProgressBar } from '../common/ProgressBar';
import { estimateLine } from './estimate-text';
import { formatDuration } from './format';

interface RunEstimateProps {
  config: TrainConfig | null;
  /** The form's timing key (null without a backend or a dataset). */
  timingKey: string | null;
  hasDataset: boolean;
  /** While a run trains: the seconds it has left at its running step time (null until known). */
  runningSecondsLeft?: number | null;
}

/**
 * The estimated wall time of the form's configuration on this device, before Start: from a short
 * timed probe (a few real steps), cached per configuration and backend; "measuring…" with progress
 * and Cancel meanwhile.
 */
export function RunEstimate({ config, timingKey, hasDataset, runningSecondsLeft }: RunEstimateProps) {
  const outcome = useEstimateStore((s) => (timingKey ? s.outcomes[timingKey] : undefined));
  const failed = useEstimateStore((s) => (timingKey ? s.failed[timingKey] : undefined));
  const measuring = useEstimateStore((s) =>
    s.measuring && s.measuring.key === timingKey ? s.measuring : null,
  );
  const liveMaps = useLiveStore((s) => s.enabled);
  const { measure, cancel } = useEstimateStore.getState();

  let state: string;
  let body: ReactNode;
  if (!hasDataset) {
    state = 'no-dataset';
    body = 'Load a dataset to measure how long this configuration takes here.';
  } else if (!config || !timingKey) {
    state = 'invalid';
    body = 'No estimate while the configuration is invalid.';
  } else if (outcome) {
    state = outcome.kind;
    body = estimateLine(config, outcome, liveMaps ? LIVE_MAX_SHARE : 0);
  } else if (measuring) {
    state = 'measuring';
    body = (
      <>
        Measuring… a few real training steps of this configuration.{' '}
        <button type="button" onClick={() => void cancel()} data-testid="estimate-cancel">
          Cancel
        </button>
        {measuring.progress && (
          <ProgressBar
            label="Timing"
            done={measuring.progress.done}
            total={measuring.progress.total}
            message={measuring.progress.message}
            testId="estimate-progress"
          />
        )}
      </>
    );
  } else if (failed) {
    state = 'failed';
    body = (
      <>
        {failed}{' '}
        <button type="button" onClick={() => void measure(config, timingKey)} data-testid="estimate-measure">
          Measure
        </button>
      </>
    );
  } else {
    state = 'waiting';
    body = 'Measuring starts when the form is left as it is for a moment.';
  }
  return (
    <div className="run-estimate" data-testid="train-estimate" data-state={state} aria-live="polite">
      <strong>Estimated time:</strong> {body}
      {runningSecondsLeft !== undefined && (
        <span data-testid="train-estimate-running">
          {' '}
          Training now:{' '}
          {runningSecondsLeft === null
            ? 'measuring the running step time…'
            : `${formatDuration(runningSecondsLeft)} left at the running step time.`}
        </span>
      )}
    </div>
  );
}
