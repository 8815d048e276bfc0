import '../results/results.css';
import { useMemo } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { useResultsStore } from '../../state/results-store';
import { filterByType, typeRows } from '../results/by-type';
import { CurveCharts } from '../results/CurveCharts';
import { DetailView } from '../results/DetailView';
import { EvaluateBar } from '../results/EvaluateBar';
import { GridControls } from '../results/GridControls';
import { MetricsTable } from '../results/MetricsTable';
import { useResultsReadiness } from '../results/model-readiness';
import { resultsNextStep } from '../results/next-step';
import { byScore } from '../results/order';
import { PerTypeTable } from '../results/PerTypeTable';
import { ResultGrid } from '../results/ResultGrid';
import { ScoreHistogram } from '../results/ScoreHistogram';

/** Evaluation of the current model: metrics, curves, score distribution and per-image heat maps. */
export function ResultsPanel() {
  const summary = useResultsStore((s) => s.summary);
  const tests = useDatasetStore((s) => s.summary?.test ?? null);
  const threshold = useResultsStore((s) => s.imageThreshold);
  const typeFilter = useResultsStore((s) => s.typeFilter);
  const detail = useResultsStore((s) => s.detail);
  const setTypeFilter = useResultsStore((s) => s.setTypeFilter);
  const order = useMemo(() => (summary ? byScore(summary.scores) : []), [summary]);
  const shown = useMemo(
    () => (summary ? filterByType(order, summary.labels, tests, typeFilter) : []),
    [summary, order, tests, typeFilter],
  );
  const types = useMemo(
    () => (summary ? typeRows(summary, tests, threshold) : []),
    [summary, tests, threshold],
  );
  const readiness = useResultsReadiness(!summary);
  // The detail view steps through the images the grid shows, unless it was opened on another one.
  const navigation = detail !== null && !shown.includes(detail) ? order : shown;

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
          <h3>Per defect type</h3>
          <p className="muted small">
            Each defect type scored against all normal test images; flagged: images at or above the image
            threshold.
          </p>
          <PerTypeTable rows={types} selected={typeFilter} onSelect={setTypeFilter} />
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
          <GridControls rows={types} shown={shown.length} total={order.length} />
          <ResultGrid summary={summary} tests={tests} order={shown} />
          <DetailView summary={summary} tests={tests} order={navigation} />
        </>
      )}
    </section>
  );
}
