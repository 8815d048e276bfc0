import { useEffect, useMemo, useRef } from 'react';
import { useLiveStore } from '../../state/live-store';
import { drawAnomalyMap, rgbaCanvas } from '../demo/draw-map';
import { HeatLegend } from '../demo/HeatLegend';
import { StepChart, type ChartRow, type SeriesSpec } from './charts';
import { stripScale } from './live-scale';
import type { MapScale } from '../demo/heatmap';
import './live-maps.css';

const STRIP_PX = 128;

const CURVE_SERIES: SeriesSpec[] = [
  { key: 'imageAuroc', label: 'I-AUROC', color: '#2e86de' },
  { key: 'pixelAuroc', label: 'P-AUROC', color: '#e67e22' },
];

/** The strip's shared colour scale over the live maps (null before the first maps). */
function useStripScale(): ReturnType<typeof stripScale> | null {
  const maps = useLiveStore((s) => s.maps);
  const size = useLiveStore((s) => s.size);
  const items = useLiveStore((s) => s.items);
  return useMemo(
    () =>
      maps
        ? stripScale(
            maps,
            size,
            items.map((it) => it.label),
          )
        : null,
    [maps, size, items],
  );
}

function StripImage({ index, scale }: { index: number; scale: MapScale | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const image = useLiveStore((s) => s.images[index]);
  const mask = useLiveStore((s) => s.masks[index] ?? null);
  const storedSize = useLiveStore((s) => s.storedSize);
  const maps = useLiveStore((s) => s.maps);
  const size = useLiveStore((s) => s.size);
  const items = useLiveStore((s) => s.items);
  const base = useMemo(() => (image ? rgbaCanvas(image, storedSize) : null), [image, storedSize]);
  useEffect(() => {
    if (!ref.current || !base || !maps || !scale) return;
    const map = maps.subarray(index * size * size, (index + 1) * size * size);
    drawAnomalyMap(ref.current, base, { size, map, mask, maskSize: storedSize }, scale, STRIP_PX);
  }, [base, maps, scale, index, size, mask, storedSize]);
  const item = items[index];
  return (
    <figure className="live-strip__item">
      <canvas ref={ref} className="live-strip__canvas" aria-label={`Live anomaly map: ${item?.kind}`} />
      <figcaption>{item?.kind}</figcaption>
    </figure>
  );
}

/**
 * The live strip of the Train panel: a few fixed images whose anomaly maps the worker re-scores
 * between steps, the I-AUROC / P-AUROC of those few images over the steps, the measured cost, and
 * the switches sent with the next training call.
 */

export function LiveMaps({ disabled }: { disabled: boolean }) {
  const enabled = useLiveStore((s) => s.enabled);
  const keepBest = useLiveStore((s) => s.keepBest);
  const setEnabled = useLiveStore((s) => s.setEnabled);
  const setKeepBest = useLiveStore((s) => s.setKeepBest);
  const items = useLiveStore((s) => s.items);
  const source = useLiveStore((s) => s.source);
  const step = useLiveStore((s) => s.step);
  const updates = useLiveStore((s) => s.updates);
  const curve = useLiveStore((s) => s.curve);
  const overhead = useLiveStore((s) => s.overhead);
  const keptStep = useLiveStore((s) => s.keptStep);
  const rows = useMemo<ChartRow[]>(
    () => curve.map((p) => ({ step: p.step, imageAuroc: p.imageAuroc, pixelAuroc: p.pixelAuroc })),
    [curve],
  );
  const scale = useStripScale();
  const onTest = source === 'test';

  return (
    <section aria-labelledby="live-maps-heading" className="live-maps" data-testid="live-maps">
      <div className="chart-head">
        <h3 id="live-maps-heading">Live anomaly maps</h3>
        <label>
          <input
            type="checkbox"
            checked={enabled}
            disabled={disabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
            data-testid="live-enabled"
          />{' '}
          re-score while training (at most a tenth of the training time)
        </label>
        <label title="Picking the best step on the images it is measured on is the reference code's protocol; the figures of the kept model are then optimistic.">
          <input
            type="checkbox"
            checked={keepBest}
            disabled={disabled || !enabled}
            onChange={(e) => setKeepBest(e.currentTarget.checked)}
            data-testid="live-keep-best"
          />{' '}
          keep the best step by this curve (chosen on {onTest || !source ? 'test' : 'these'} images:
          optimistic)
        </label>
      </div>
      {items.length === 0 ? (
        <p className="muted">{enabled ? 'The maps appear after the first training step.' : 'Off.'}</p>
      ) : (
        <>
          <p className="muted" data-testid="live-maps-status" data-updates={updates} data-step={step}>
            Step {step}: {items.length}{' '}
            {onTest
              ? 'test images'
              : 'training images, every other one with a synthetic anomaly (the model trains on these images, so their maps flatter it)'}
            , re-scored {updates} time{updates === 1 ? '' : 's'}; scoring took {(100 * overhead).toFixed(1)} %
            of the training time.
            {keptStep !== null && ` Best step so far: ${keptStep}.`}
          </p>
          <div className="live-strip">
            {items.map((it, i) => (
              <StripImage key={`${it.split}-${it.index}`} index={i} scale={scale} />
            ))}
          </div>
          {scale && (
            <HeatLegend
              scale={scale}
              belowNote={
                scale.fromGood
                  ? 'not coloured: at most the highest value on the good parts shown'
                  : 'not coloured: the lower half of the range shown'
              }
            />
          )}
          {rows.some((r) => r.imageAuroc !== null || r.pixelAuroc !== null) && (
            <StepChart
              title={`AUROC on these ${items.length} images only (a noisy, small sample)`}
              rows={rows}
              series={CURVE_SERIES}
              dots
              testId="live-auroc-chart"
              lagMs={450}
            />
          )}
        </>
      )}
    </section>
  );
}
