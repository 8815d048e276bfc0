import { useResultsStore } from '../../state/results-store';
import { ProgressBar } from '../common/ProgressBar';

/** Starts an evaluation of the current model on the test split, with progress and cancel. */
export function EvaluateBar() {
  const { evaluating, progress, error, cancelled, summary } = useResultsStore();
  const evaluate = useResultsStore((s) => s.evaluate);
  const cancel = useResultsStore((s) => s.cancel);
  return (
    <div className="evaluate-bar">
      <div className="actions">
        <button type="button" onClick={() => void evaluate()} disabled={evaluating} data-testid="evaluate">
          {summary ? 'Evaluate again' : 'Evaluate'}
        </button>
        {evaluating && (
          <button type="button" onClick={() => void cancel()} data-testid="evaluate-cancel">
            Cancel
          </button>
        )}
        {summary && !evaluating && (
          <span className="muted" data-testid="evaluation-info">
            Step {summary.step} · {summary.scores.length} test images · {summary.msPerImage.toFixed(1)} ms /
            image
          </span>
        )}
      </div>
      {evaluating && (
        <ProgressBar
          done={progress?.done ?? 0}
          total={progress?.total ?? 0}
          message={progress?.message}
          label="Evaluation progress"
          testId="evaluate-progress"
        />
      )}
      {cancelled && <p className="muted">Evaluation cancelled.</p>}
      {error && (
        <p role="alert" className="alert" data-testid="evaluate-error">
          {error}
        </p>
      )}
    </div>
  );
}
