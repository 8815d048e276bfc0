import '../results/results.css';
import { useMemo } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { useMemoryStore } from '../../state/memory-store';
import { useResultsStore } from '../../state/results-store';
import { BankView } from '../memory/BankView';
import { QueryImage } from '../memory/QueryImage';
import type { LevelChoice } from '../memory/rank';
import { byScore } from '../results/order';
import { fmt } from '../results/view';

/** Which memory items a test image resembles, over the image and at a picked location. */
export function MemoryPanel() {
  const tests = useDatasetStore((s) => s.summary?.test ?? null);
  const summary = useResultsStore((s) => s.summary);
  const colormap = useResultsStore((s) => s.view.colormap);
  const { testIndex, exploration, loading, error, point, level } = useMemoryStore();
  const { setTestIndex, explore, setPoint, setLevel } = useMemoryStore.getState();
  const count = tests?.length ?? summary?.scores.length ?? 0;
  // With results, list images most anomalous first; otherwise in dataset order.
  const order = useMemo(
    () => (summary ? byScore(summary.scores) : Array.from({ length: count }, (_, i) => i)),
    [summary, count],
  );
  const levels = exploration?.normal.levels ?? [];
  const coarsest = levels.length > 0 ? levels[levels.length - 1].w : null;
  const shown = exploration?.testIndex;

  return (
    <section className="memory-panel" aria-label="Memory explorer" data-testid="memory-panel">
      <form
        className="memory-picker"
        onSubmit={(e) => {
          e.preventDefault();
          void explore(testIndex);
        }}
      >
        <label>
          Test image
          <select
            value={testIndex}
            onChange={(e) => setTestIndex(Number(e.target.value))}
            disabled={count === 0}
            data-testid="memory-test-select"
          >
            {order.map((i) => (
              <option key={i} value={i}>
                {i}: {tests?.[i]?.path ?? `test ${i}`}
                {summary ? ` — score ${fmt(summary.scores[i], 3)}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          or index
          <input
            type="number"
            min={0}
            max={Math.max(0, count - 1)}
            value={testIndex}
            onChange={(e) =>
              setTestIndex(Math.max(0, Math.min(count - 1, Math.floor(Number(e.target.value) || 0))))
            }
            className="index-input"
            data-testid="memory-test-index"
          />
        </label>
        <div className="actions">
          <button type="submit" disabled={loading || count === 0} data-testid="memory-explore">
            {loading ? 'Exploring…' : 'Explore'}
          </button>
        </div>
      </form>
      {count === 0 && (
        <p className="placeholder">Load a dataset and create or import a DM-GRD model first.</p>
      )}
      {error && (
        <p role="alert" className="alert" data-testid="memory-error">
          {error}
        </p>
      )}
      {exploration && (
        <>
          {exploration.degenerate && (
            <div role="alert" className="degenerate" data-testid="memory-degenerate">
              <strong>The model’s selection ignores the query.</strong> {exploration.degenerate.message}{' '}
              Reachable slots: {exploration.degenerate.reachableSlots.join(', ')}.
            </div>
          )}
          <div className="memory-query-row">
            <figure>
              <QueryImage index={shown ?? 0} display={256} point={point} onPoint={setPoint} grid={coarsest} />
              <figcaption>
                Query: {tests?.[shown ?? 0]?.path ?? `test ${shown}`}
                {tests?.[shown ?? 0]?.label === 1 ? ' (anomalous)' : ''}
              </figcaption>
            </figure>
            <div className="memory-query-controls">
              <p>
                {point
                  ? `Items ranked by their cosine at the marked location.`
                  : 'Items ranked by image-level similarity. Click the image (or focus it and press Enter, then arrows) to rank by the cosine at one location.'}
              </p>
              <fieldset>
                <legend>Levels for the location ranking</legend>
                <label className="check">
                  <input
                    type="radio"
                    name="memory-level"
                    checked={level === 'mean'}
                    onChange={() => setLevel('mean')}
                  />
                  Mean of all levels
                </label>
                {levels.map((l, i) => (
                  <label className="check" key={i}>
                    <input
                      type="radio"
                      name="memory-level"
                      checked={level === i}
                      onChange={() => setLevel(i as LevelChoice)}
                    />
                    Level {i + 1} ({l.h}×{l.w})
                  </label>
                ))}
              </fieldset>
              {point && (
                <div className="actions">
                  <button type="button" onClick={() => setPoint(null)} data-testid="memory-clear-point">
                    Back to image-level ranking
                  </button>
                </div>
              )}
            </div>
          </div>
          <BankView
            name="normal"
            bank={exploration.normal}
            point={point}
            level={level}
            reachable={exploration.degenerate?.reachableSlots ?? null}
            colormap={colormap}
          />
          <BankView
            name="abnormal"
            bank={exploration.abnormal}
            point={point}
            level={level}
            reachable={exploration.degenerate?.reachableSlots ?? null}
            colormap={colormap}
          />
        </>
      )}
    </section>
  );
}
