import { useEffect, useMemo, useRef, useState } from 'react';
import type { HeatmapData } from '../../../workers/engine-api';
import { getEngine } from '../../client/engine';
import { useDatasetStore } from '../../state/dataset-store';
import { useDemoStore } from '../../state/demo-store';
import { errorText } from '../../state/engine-ready';
import { drawAnomalyMap } from './draw-map';
import { maskContrast, type MapScale } from './heatmap';
import { HeatLegend } from './HeatLegend';

interface Shown {
  heat: HeatmapData;
  /** The test image at the canvas resolution (the stored image, not the model's smaller input). */
  photo: ImageBitmap;
}

function drawPhoto(canvas: HTMLCanvasElement, photo: ImageBitmap): void {
  canvas.width = photo.width;
  canvas.height = photo.height;
  canvas.getContext('2d')?.drawImage(photo, 0, 0);
}

/**
 * Cycles through the demo's most convincing results: the highest-scoring defect images, each as
 * the test image next to its anomaly map (coloured where the map is high, the ground truth
 * outlined), then the calmest good image for contrast.
 */
export function DemoShowcase({ intervalMs = 3500, large = false }: { intervalMs?: number; large?: boolean }) {
  const evaluation = useDemoStore((s) => s.evaluation);
  const highlights = useDemoStore((s) => s.highlights);
  const summary = useDatasetStore((s) => s.summary);
  const [pos, setPos] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<{ index: number; inside: number; outside: number } | null>(null);
  const photoRef = useRef<HTMLCanvasElement>(null);
  const mapRef = useRef<HTMLCanvasElement>(null);
  // One cache per evaluation: a new run's maps must not be mixed with the previous ones.
  const cache = useMemo(() => (evaluation ? new Map<number, Shown>() : null), [evaluation]);
  const px = large ? 512 : 256;

  useEffect(() => {
    if (highlights.length < 2) return;
    const id = setInterval(() => setPos((p) => (p + 1) % highlights.length), intervalMs);
    return () => clearInterval(id);
  }, [highlights, intervalMs]);

  const index = highlights.length ? highlights[pos % highlights.length] : null;
  // The evaluation's shared range, known once the first map has arrived.
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  const scale: MapScale | null =
    evaluation && range ? { ...range, threshold: evaluation.metrics.f1Pixel.threshold } : null;

  useEffect(() => {
    if (index === null || !evaluation || !cache) return;
    let live = true;
    const engine = getEngine();
    const cached = cache.get(index);
    const load: Promise<Shown> = cached
      ? Promise.resolve(cached)
      : Promise.all([engine.heatmap(index), engine.thumbnail('test', index, px)]).then(([heat, photo]) => ({
          heat,
          photo,
        }));
    load
      .then((s) => {
        cache.set(index, s);
        if (!live || !photoRef.current || !mapRef.current) return;
        const sc = {
          min: s.heat.mapMin,
          max: s.heat.mapMax,
          threshold: evaluation.metrics.f1Pixel.threshold,
        };
        drawPhoto(photoRef.current, s.photo);
        drawAnomalyMap(mapRef.current, s.photo, s.heat, sc, s.photo.width);
        setRange({ min: s.heat.mapMin, max: s.heat.mapMax });
        const c = s.heat.mask ? maskContrast(s.heat.map, s.heat.mask) : { inside: NaN, outside: NaN };
        setShown({ index, ...c });
      })
      .catch((err: unknown) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [index, evaluation, cache, px]);

  if (!evaluation || index === null) return null;
  const info = summary?.test[index];
  const score = evaluation.scores[index];
  const flagged = score > evaluation.metrics.f1Image.threshold;
  const defect = info ? info.label === 1 : evaluation.labels[index] === 1;
  return (
    <figure
      className={`demo-showcase${large ? ' demo-showcase--large' : ''}`}
      data-testid="demo-showcase"
      data-index={shown?.index ?? ''}
      data-inside={shown && Number.isFinite(shown.inside) ? shown.inside : ''}
      data-outside={shown && Number.isFinite(shown.outside) ? shown.outside : ''}
    >
      <div className="demo-showcase__panels">
        <div className="demo-showcase__panel">
          <canvas
            ref={photoRef}
            className="demo-showcase__image"
            data-testid="demo-showcase-photo"
            aria-label="Test image"
          />
          <span className="demo-showcase__label">Test image</span>
        </div>
        <div className="demo-showcase__panel">
          <canvas
            ref={mapRef}
            className="demo-showcase__image"
            data-testid="demo-showcase-image"
            data-index={shown?.index ?? ''}
            aria-label="Anomaly map over the test image, ground truth outlined"
          />
          <span className="demo-showcase__label">Anomaly map</span>
        </div>
      </div>
      <figcaption>
        <div className="demo-showcase__verdict">
          <span className="demo-showcase__type" data-testid="demo-showcase-type">
            {info ? (info.label ? `defect: ${info.defectType}` : 'good part') : `test image ${index}`}
          </span>
          <span>
            score <strong data-testid="demo-showcase-score">{score.toFixed(3)}</strong>{' '}
            <span className={flagged ? 'demo-flag demo-flag--defect' : 'demo-flag demo-flag--ok'}>
              {flagged ? 'flagged' : 'passed'}
            </span>
          </span>
          <span className="demo-showcase__pos">
            {(pos % highlights.length) + 1} / {highlights.length}
          </span>
        </div>
        {scale && <HeatLegend scale={scale} />}
        <p className="demo-showcase__explain" data-testid="demo-showcase-explain">
          Coloured: pixels the model finds unusual, brighter is more unusual; the rest is the part in grey.{' '}
          {defect && (
            <>
              <span className="demo-showcase__contour-key" aria-hidden="true" /> Cyan outline: where the
              defect was painted (ground truth, never shown to the model).
            </>
          )}
        </p>
        {error && <span className="demo-error">{error}</span>}
      </figcaption>
    </figure>
  );
}
