import { zipSync } from 'fflate';
import { useRef, useState } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { heatmap, useResultsStore } from '../../state/results-store';
import { ProgressBar } from '../common/ProgressBar';
import { overlayOptions } from '../results/view';
import { downloadBlob } from './download';
import { heatmapFileName, resultsCsv, resultsJson, safeName } from './formats';
import { overlayPng } from './heatmap-png';

/** Results as CSV / JSON, and heat-map overlays as PNG (one, or all in a zip). */
export function ResultsExport() {
  const summary = useResultsStore((s) => s.summary);
  const imageThreshold = useResultsStore((s) => s.imageThreshold);
  const detail = useResultsStore((s) => s.detail);
  const dataset = useDatasetStore((s) => s.summary);
  const [pngIndex, setPngIndex] = useState(0);
  const [zipping, setZipping] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const stop = useRef(false);

  if (!summary)
    return <p className="placeholder">Evaluate the model (Results tab) to export scores and heat maps.</p>;

  const tests = dataset?.test ?? null;
  const base = `${safeName(dataset?.category ?? 'dataset')}-step${summary.step}`;
  const count = summary.scores.length;
  const current = detail ?? pngIndex;

  const renderPng = async (i: number): Promise<Blob> => {
    const { view, pixelThreshold } = useResultsStore.getState();
    const data = await heatmap(i);
    return overlayPng(data, overlayOptions(view, pixelThreshold, data));
  };

  const saveOne = async (): Promise<void> => {
    setError(null);
    try {
      downloadBlob(await renderPng(current), heatmapFileName(tests?.[current]?.path, current));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const saveAll = async (): Promise<void> => {
    setError(null);
    stop.current = false;
    const files: Record<string, Uint8Array> = {};
    try {
      for (let i = 0; i < count; i++) {
        if (stop.current) return;
        setZipping({ done: i, total: count });
        const png = await renderPng(i);
        files[heatmapFileName(tests?.[i]?.path, i)] = new Uint8Array(await png.arrayBuffer());
      }
      // PNGs are already compressed: store them as they are.
      const zip = zipSync(files, { level: 0 });
      downloadBlob(
        new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
        `heatmaps-${base}.zip`,
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setZipping(null);
    }
  };

  return (
    <div className="results-export">
      <div className="actions">
        <button
          type="button"
          data-testid="export-csv"
          onClick={() =>
            downloadBlob(
              new Blob([resultsCsv(summary, tests, imageThreshold)], { type: 'text/csv' }),
              `results-${base}.csv`,
            )
          }
        >
          Scores as CSV
        </button>
        <button
          type="button"
          data-testid="export-json"
          onClick={() =>
            downloadBlob(
              new Blob(
                [
                  resultsJson(summary, {
                    dataset: dataset?.category ?? null,
                    imageThreshold,
                    pixelThreshold: useResultsStore.getState().pixelThreshold,
                  }),
                ],
                {
                  type: 'application/json',
                },
              ),
              `results-${base}.json`,
            )
          }
        >
          Evaluation as JSON
        </button>
      </div>
      <p className="muted small">
        CSV columns: path, label, score, defect_type, predicted (at the image threshold{' '}
        {imageThreshold.toFixed(4)}). Heat maps use the colour map, opacity and contours chosen in the detail
        view.
      </p>
      <div className="actions">
        {detail === null && (
          <label>
            Image{' '}
            <input
              type="number"
              min={0}
              max={count - 1}
              value={pngIndex}
              onChange={(e) =>
                setPngIndex(Math.max(0, Math.min(count - 1, Math.floor(Number(e.target.value) || 0))))
              }
              className="index-input"
              data-testid="export-png-index"
            />
          </label>
        )}
        <button type="button" onClick={() => void saveOne()} data-testid="export-png">
          Heat map of {tests?.[current]?.path ?? `test ${current}`} as PNG
        </button>
        <button
          type="button"
          onClick={() => void saveAll()}
          disabled={zipping !== null}
          data-testid="export-zip"
        >
          All {count} heat maps as .zip
        </button>
        {zipping && (
          <button type="button" onClick={() => (stop.current = true)}>
            Stop
          </button>
        )}
      </div>
      {zipping && <ProgressBar done={zipping.done} total={zipping.total} label="Rendering heat maps" />}
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
    </div>
  );
}
