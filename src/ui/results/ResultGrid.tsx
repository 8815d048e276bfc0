import type { DatasetImageInfo, EvaluationSummary } from '../../../workers/session-api';
import { useResultsStore } from '../../state/results-store';
import { MapTile } from './MapTile';
import { Thumb } from './Thumb';
import { fmt } from './view';

interface ResultGridProps {
  summary: EvaluationSummary;
  tests: readonly DatasetImageInfo[] | null;
  /** The test images to show, in this order (by score, perhaps of one type). */
  order: readonly number[];
}

/** Test images, sorted by score, with their true label and the decision at the threshold. */
export function ResultGrid({ summary, tests, order }: ResultGridProps) {
  const threshold = useResultsStore((s) => s.imageThreshold);
  const openDetail = useResultsStore((s) => s.openDetail);
  const maps = useResultsStore((s) => s.gridMaps);
  return (
    <ol className="result-grid" data-testid="result-grid" aria-label="Test images sorted by anomaly score">
      {order.map((i, rank) => {
        const anomalous = summary.labels[i] === 1;
        const flagged = summary.scores[i] >= threshold;
        const info = tests?.[i];
        const name = info?.path.split('/').slice(-2).join('/') ?? `test ${i}`;
        const verdict = flagged === anomalous ? 'correct' : flagged ? 'false positive' : 'missed';
        return (
          <li key={i}>
            <button
              type="button"
              className={`result-tile ${flagged ? 'flagged' : ''} ${verdict === 'correct' ? '' : 'wrong'}`}
              onClick={() => openDetail(i)}
              data-testid={`result-tile-${i}`}
              data-rank={rank}
              data-score={summary.scores[i]}
              aria-label={`${name}: score ${fmt(summary.scores[i])}, ${anomalous ? 'anomalous' : 'normal'}, ${verdict}`}
            >
              {maps ? (
                <MapTile index={i} size={96} label={name} />
              ) : (
                <Thumb split="test" index={i} size={96} label={name} />
              )}
              <span className={`badge ${anomalous ? 'badge-anomalous' : 'badge-normal'}`}>
                {anomalous ? (info?.defectType ?? 'anomalous') : 'good'}
              </span>
              <span className="tile-score">{fmt(summary.scores[i], 3)}</span>
              {verdict !== 'correct' && <span className="tile-verdict">{verdict}</span>}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
