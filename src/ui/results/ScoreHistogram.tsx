import { useMemo, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { useResultsStore } from '../../state/results-store';
import { confusionAt, HISTOGRAM_BINS as BINS, scoreHistogram } from './threshold';
import { fmt, pct } from './view';

const W = 600;
const H = 180;
const PAD = { left: 36, right: 12, top: 10, bottom: 28 };

interface ScoreHistogramProps {
  scores: number[];
  labels: number[];
  /** The F1-max threshold, to reset to. */
  best: number;
}

/** Image scores of normal vs anomalous test images, with a draggable decision threshold. */
export function ScoreHistogram({ scores, labels, best }: ScoreHistogramProps) {
  const threshold = useResultsStore((s) => s.imageThreshold);
  const setThreshold = useResultsStore((s) => s.setImageThreshold);
  const hist = useMemo(() => scoreHistogram(scores, labels, BINS), [scores, labels]);
  const conf = useMemo(() => confusionAt(scores, labels, threshold), [scores, labels, threshold]);
  const svgRef = useRef<SVGSVGElement>(null);
  const dragging = useRef(false);

  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const peak = Math.max(1, ...hist.normal, ...hist.anomalous);
  const xOf = (v: number): number => PAD.left + ((v - hist.min) / (hist.max - hist.min)) * plotW;
  const valueAt = (clientX: number): number => {
    const r = svgRef.current?.getBoundingClientRect();
    if (!r) return threshold;
    const x = ((clientX - r.left) / r.width) * W;
    const t = hist.min + ((x - PAD.left) / plotW) * (hist.max - hist.min);
    return Math.min(hist.max, Math.max(hist.min, t));
  };

  const onPointerDown = (e: PointerEvent<SVGSVGElement>): void => {
    dragging.current = true;
    e.currentTarget.setPointerCapture(e.pointerId);
    setThreshold(valueAt(e.clientX));
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    if (dragging.current) setThreshold(valueAt(e.clientX));
  };
  const onPointerUp = (): void => {
    dragging.current = false;
  };
  const onKeyDown = (e: KeyboardEvent<SVGGElement>): void => {
    const step = ((hist.max - hist.min) / 100) * (e.shiftKey ? 10 : 1);
    const at = Number.isFinite(threshold) ? threshold : hist.max;
    const next: Record<string, number> = {
      ArrowLeft: at - step,
      ArrowDown: at - step,
      ArrowRight: at + step,
      ArrowUp: at + step,
      Home: hist.min,
      End: hist.max,
    };
    if (!(e.key in next)) return;
    e.preventDefault();
    setThreshold(Math.min(hist.max, Math.max(hist.min, next[e.key])));
  };

  const barW = plotW / BINS;
  // A NaN threshold (no anomalous test image, so no F1-max) sits at the right end.
  const tx = xOf(Number.isFinite(threshold) ? Math.min(hist.max, Math.max(hist.min, threshold)) : hist.max);
  return (
    <div className="histogram" data-testid="score-histogram">
      <svg
        ref={svgRef}
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        className="histogram-svg"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        aria-label="Histogram of image anomaly scores"
      >
        {hist.normal.map((n, b) => {
          const a = hist.anomalous[b];
          const x = PAD.left + b * barW;
          const hn = (n / peak) * plotH;
          const ha = (a / peak) * plotH;
          return (
            <g key={b}>
              <rect
                x={x + 1}
                y={PAD.top + plotH - hn}
                width={barW / 2 - 1}
                height={hn}
                className="bar-normal"
              >
                <title>{`${n} normal in [${fmt(hist.min + b * hist.width)}, ${fmt(hist.min + (b + 1) * hist.width)})`}</title>
              </rect>
              <rect
                x={x + barW / 2}
                y={PAD.top + plotH - ha}
                width={barW / 2 - 1}
                height={ha}
                className="bar-anomalous"
              >
                <title>{`${a} anomalous in [${fmt(hist.min + b * hist.width)}, ${fmt(hist.min + (b + 1) * hist.width)})`}</title>
              </rect>
            </g>
          );
        })}
        <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} stroke="#888" />
        <text x={PAD.left} y={H - 8} className="axis-text">
          {fmt(hist.min, 3)}
        </text>
        <text x={W - PAD.right} y={H - 8} textAnchor="end" className="axis-text">
          {fmt(hist.max, 3)}
        </text>
        <text x={PAD.left + plotW / 2} y={H - 8} textAnchor="middle" className="axis-text">
          image score
        </text>
        <text x={PAD.left - 4} y={PAD.top + 10} textAnchor="end" className="axis-text">
          {peak}
        </text>
        <g
          role="slider"
          tabIndex={0}
          aria-label="Image score threshold (drag, or use the arrow keys)"
          aria-valuemin={hist.min}
          aria-valuemax={hist.max}
          aria-valuenow={Number.isFinite(threshold) ? threshold : undefined}
          aria-valuetext={fmt(threshold)}
          onKeyDown={onKeyDown}
          className="threshold-handle"
          data-testid="image-threshold-handle"
        >
          <line x1={tx} x2={tx} y1={PAD.top - 4} y2={PAD.top + plotH} />
          <rect x={tx - 6} y={PAD.top - 6} width={12} height={12} rx={2} />
        </g>
      </svg>
      <div className="histogram-side">
        <p className="legend">
          <span className="swatch bar-normal" /> normal <span className="swatch bar-anomalous" /> anomalous
        </p>
        <p>
          Threshold <strong data-testid="image-threshold">{fmt(threshold)}</strong>{' '}
          <button type="button" className="link-button" onClick={() => setThreshold(best)}>
            reset to F1-max
          </button>
        </p>
        <table className="confusion" data-testid="confusion">
          <tbody>
            <tr>
              <th scope="row">TPR</th>
              <td data-testid="tpr">{pct(conf.tpr)}</td>
              <th scope="row">FPR</th>
              <td data-testid="fpr">{pct(conf.fpr)}</td>
            </tr>
            <tr>
              <th scope="row">TP</th>
              <td data-testid="tp">{conf.tp}</td>
              <th scope="row">FP</th>
              <td data-testid="fp">{conf.fp}</td>
            </tr>
            <tr>
              <th scope="row">FN</th>
              <td data-testid="fn">{conf.fn}</td>
              <th scope="row">TN</th>
              <td data-testid="tn">{conf.tn}</td>
            </tr>
            <tr>
              <th scope="row">Precision</th>
              <td colSpan={3}>{pct(conf.precision)}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
