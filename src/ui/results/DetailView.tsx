import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { DatasetImageInfo, EvaluationSummary, HeatmapData } from '../../../workers/session-api';
import { useMemoryStore } from '../../state/memory-store';
import { heatmap, useResultsStore } from '../../state/results-store';
import { downloadBlob } from '../export/download';
import { heatmapFileName } from '../export/formats';
import { overlayPng } from '../export/heatmap-png';
import { COLORMAPS, colormapGradient, type ColormapName } from './colormaps';
import { MASK_RGB } from './overlay';
import { OverlayCanvas } from './OverlayCanvas';
import { fmt, overlayOptions } from './view';

interface DetailViewProps {
  summary: EvaluationSummary;
  tests: readonly DatasetImageInfo[] | null;
  /** Navigation order (by score). */
  order: number[];
}

const isFormField = (t: EventTarget): boolean =>
  t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

/** One test image with its heat map; ←/→ step through `order`, Esc closes. */
export function DetailView({ summary, tests, order }: DetailViewProps) {
  const index = useResultsStore((s) => s.detail);
  const stamp = useResultsStore((s) => s.stamp);
  const view = useResultsStore((s) => s.view);
  const pixelThreshold = useResultsStore((s) => s.pixelThreshold);
  const imageThreshold = useResultsStore((s) => s.imageThreshold);
  const { openDetail, setView, setPixelThreshold } = useResultsStore.getState();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [loaded, setLoaded] = useState<{ key: string; data: HeatmapData } | null>(null);
  const [failure, setFailure] = useState<{ key: string; message: string } | null>(null);
  const key = `${stamp}:${index}`;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (index !== null && !dialog.open) {
      dialog.showModal();
      // Focus the dialog itself, not its first slider, so ←/→ step through images at once.
      dialog.focus();
    }
    if (index === null && dialog.open) dialog.close();
  }, [index]);
  // A modal left open in a hidden tab would keep the whole page inert; the effect above reopens it
  // when the tab is shown again.
  useEffect(() => {
    const dialog = dialogRef.current;
    return () => dialog?.close();
  }, []);

  useEffect(() => {
    if (index === null) return;
    let live = true;
    heatmap(index).then(
      (data) => live && setLoaded({ key, data }),
      (err: unknown) =>
        live && setFailure({ key, message: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [index, key]);

  const data = loaded?.key === key ? loaded.data : null;
  const error = failure?.key === key ? failure.message : null;
  const options = useMemo(
    () => (data ? overlayOptions(view, pixelThreshold, data) : null),
    [data, view, pixelThreshold],
  );

  const at = index === null ? -1 : order.indexOf(index);
  const go = (delta: number): void => {
    if (at < 0 || order.length === 0) return;
    openDetail(order[(at + delta + order.length) % order.length]);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDialogElement>): void => {
    if (isFormField(e.target)) return;
    if (e.key === 'ArrowLeft') go(-1);
    else if (e.key === 'ArrowRight') go(1);
    else return;
    e.preventDefault();
  };

  const info = index === null ? undefined : tests?.[index];
  const anomalous = index !== null && summary.labels[index] === 1;
  const score = index === null ? NaN : summary.scores[index];

  const savePng = async (): Promise<void> => {
    if (!data || !options || index === null) return;
    downloadBlob(await overlayPng(data, options), heatmapFileName(info?.path, index));
  };
  const exploreMemory = (): void => {
    if (index === null) return;
    void useMemoryStore.getState().explore(index);
    openDetail(null);
    window.location.hash = 'memory';
  };

  const span = data ? data.mapMax - data.mapMin : 1;
  return (
    <dialog
      ref={dialogRef}
      className="detail-dialog"
      tabIndex={-1}
      aria-labelledby="detail-title"
      onCancel={(e) => {
        e.preventDefault();
        openDetail(null);
      }}
      onKeyDown={onKeyDown}
      data-testid="detail-view"
    >
      {index !== null && (
        <>
          <header className="detail-header">
            <h3 id="detail-title">
              {info?.path ?? `Test image ${index}`}{' '}
              <span className={`badge ${anomalous ? 'badge-anomalous' : 'badge-normal'}`}>
                {anomalous ? (info?.defectType ?? 'anomalous') : 'good'}
              </span>
            </h3>
            <p className="muted">
              #{at + 1} of {order.length} by score · score{' '}
              <strong data-testid="detail-score">{fmt(score)}</strong> ·{' '}
              {score >= imageThreshold ? 'flagged anomalous' : 'passed as normal'} at threshold{' '}
              {fmt(imageThreshold)}
            </p>
          </header>
          <div className="detail-body">
            <div className="detail-image">
              {data && options ? (
                <OverlayCanvas
                  source={data}
                  options={options}
                  display={400}
                  label={`Heat map of ${info?.path ?? `test image ${index}`}`}
                  testId="overlay-canvas"
                />
              ) : (
                <div className="overlay-placeholder" aria-busy={!error}>
                  {error ?? 'Loading heat map…'}
                </div>
              )}
              {data && (
                <div className="legend-bar">
                  <span>{fmt(data.mapMin, 3)}</span>
                  <span className="gradient" style={{ background: colormapGradient(view.colormap) }} />
                  <span>{fmt(data.mapMax, 3)}</span>
                </div>
              )}
              {data && (
                <p className="muted small" data-testid="detail-resolution" data-size={data.size}>
                  {data.size} px as stored
                  {data.mapSize === data.size
                    ? ''
                    : `; the model scored it at ${data.mapSize} px and its map is enlarged to match`}
                </p>
              )}
            </div>
            <form className="detail-controls" onSubmit={(e) => e.preventDefault()}>
              <label>
                Heat-map opacity {Math.round(view.opacity * 100)} %
                <input
                  type="range"
                  min={0}
                  max={1}
                  step={0.05}
                  value={view.opacity}
                  onChange={(e) => setView({ opacity: Number(e.target.value) })}
                  data-testid="opacity"
                />
              </label>
              <label>
                Colour map
                <select
                  value={view.colormap}
                  onChange={(e) => setView({ colormap: e.target.value as ColormapName })}
                  data-testid="colormap"
                >
                  {COLORMAPS.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={view.showMask}
                  onChange={(e) => setView({ showMask: e.target.checked })}
                />
                <span className="swatch" style={{ background: `rgb(${MASK_RGB.join(',')})` }} /> Ground-truth
                contour
                {data && !data.mask && <span className="muted"> (no mask: normal image)</span>}
              </label>
              <label className="check">
                <input
                  type="checkbox"
                  checked={view.showSeg}
                  onChange={(e) => setView({ showSeg: e.target.checked })}
                />
                <span className="swatch swatch-seg" /> Segmentation (map ≥ pixel threshold)
              </label>
              {data && (
                <label>
                  Pixel threshold <strong data-testid="pixel-threshold">{fmt(pixelThreshold)}</strong>
                  <input
                    type="range"
                    min={data.mapMin}
                    max={data.mapMax}
                    step={span > 0 ? span / 200 : 1}
                    value={pixelThreshold}
                    onChange={(e) => setPixelThreshold(Number(e.target.value))}
                    disabled={!view.showSeg}
                    data-testid="pixel-threshold-slider"
                  />
                </label>
              )}
              <button
                type="button"
                className="link-button"
                onClick={() => setPixelThreshold(summary.metrics.f1Pixel.threshold)}
              >
                Reset to pixel F1-max ({fmt(summary.metrics.f1Pixel.threshold)})
              </button>
              <div className="actions">
                <button
                  type="button"
                  onClick={() => go(-1)}
                  aria-keyshortcuts="ArrowLeft"
                  data-testid="detail-prev"
                >
                  ← Previous
                </button>
                <button
                  type="button"
                  onClick={() => go(1)}
                  aria-keyshortcuts="ArrowRight"
                  data-testid="detail-next"
                >
                  Next →
                </button>
                <button type="button" onClick={() => void savePng()} disabled={!data}>
                  Save PNG
                </button>
                <button type="button" onClick={exploreMemory}>
                  Explore memory
                </button>
                <button
                  type="button"
                  onClick={() => openDetail(null)}
                  aria-keyshortcuts="Escape"
                  data-testid="detail-close"
                >
                  Close (Esc)
                </button>
              </div>
              <p className="muted small">← / → previous / next image, Esc closes.</p>
            </form>
          </div>
        </>
      )}
    </dialog>
  );
}
