import '../results/results.css';
import { useMemo } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { useResultsStore } from '../../state/results-store';
import { CurveCharts } from '../results/CurveCharts';
import { DetailView } from '../results/DetailView';
import { EvaluateBar } from '../results/EvaluateBar';
import { MetricsTable } from '../results/MetricsTable';
import { useResultsReadiness } from '../results/model-readiness';
import { resultsNextStep } from '../results/next-step';
import { byScore } from '../results/order';
import { ResultGrid } from '../results/ResultGrid';
import { ScoreHistogram } from '../results/ScoreHistogram';

/** Evaluation of the current model: metrics, curves, score distribution and per-image heat maps. */
export function ResultsPanel() {
  const summary = useResultsStore((s) => s.summary);
  const tests = useDatasetStore((s) => s.summary?.test ?? null);
  const order = useMemo(() => (summary ? byScore(summary.scores) : []), [summary]);
  const readiness = useResultsReadiness(!summary);

  return (
    <section className="results-panel" aria-label="Results" data-testid="results-panel">
      <EvaluateBar />
      {!summary && (
        <p className="placeholder" data-testid="results-next-step">
          {resultsNextStep(readiness)}
        </p>
      )}
      {summary && (
        <>
          <div className="results-top">
            <MetricsTable metrics={summary.metrics} />
          </div>
          <h3>Curves</h3>
          <CurveCharts summary={summary} />
          <h3>Image scores</h3>
          <ScoreHistogram
            scores={summary.scores}
            labels={summary.labels}
            best={summary.metrics.f1Image.threshold}
          />
          <h3>Test images by score</h3>
          <p className="muted small">
            Open an image for its heat map. Red frame: flagged anomalous at the threshold.
          </p>
          <ResultGrid summary={summary} tests={tests} />
          <DetailView summary={summary} tests={tests} order={order} />
        </>
      )}
    </section>
  );
}
