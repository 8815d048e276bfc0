import { useEffect, useMemo, useRef, useState } from 'react';
import type { HeatmapData } from '../../../workers/engine-api';
import { getEngine } from '../../client/engine';
import { useDatasetStore } from '../../state/dataset-store';
import { useDemoStore } from '../../state/demo-store';
import { errorText } from '../../state/engine-ready';
import { heatmapRgba } from './heatmap';

/** Draws the test image with its heat map blended over it, and the ground truth as an outline. */
function drawResult(canvas: HTMLCanvasElement, h: HeatmapData, threshold: number): void {
  const { size } = h;
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const heat = heatmapRgba(h.map, { min: h.mapMin, max: h.mapMax, threshold });
  const out = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = heat[i * 4 + 3] / 255;
    let r = h.image[i * 4] * (1 - a) + heat[i * 4] * a;
    let g = h.image[i * 4 + 1] * (1 - a) + heat[i * 4 + 1] * a;
    let b = h.image[i * 4 + 2] * (1 - a) + heat[i * 4 + 2] * a;
    if (h.mask && h.mask[i]) {
      const x = i % size;
      const y = Math.floor(i / size);
      const edge =
        x === 0 ||
        y === 0 ||
        x === size - 1 ||
        y === size - 1 ||
        !h.mask[i - 1] ||
        !h.mask[i + 1] ||
        !h.mask[i - size] ||
        !h.mask[i + size];
      if (edge) [r, g, b] = [0, 255, 120];
    }
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  ctx.putImageData(new ImageData(out, size, size), 0, 0);
}

/**
 * Cycles through the demo's most convincing results: the highest-scoring defect images with their
 * heat maps (ground truth outlined in green), then the calmest good image for contrast.
 */
export function DemoShowcase({ intervalMs = 3500, large = false }: { intervalMs?: number; large?: boolean }) {
  const evaluation = useDemoStore((s) => s.evaluation);
  const highlights = useDemoStore((s) => s.highlights);
  const summary = useDatasetStore((s) => s.summary);
  const [pos, setPos] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // One cache per evaluation: a new run's maps must not be mixed with the previous ones.
  const cache = useMemo(() => (evaluation ? new Map<number, HeatmapData>() : null), [evaluation]);

  useEffect(() => {
    if (highlights.length < 2) return;
    const id = setInterval(() => setPos((p) => (p + 1) % highlights.length), intervalMs);
    return () => clearInterval(id);
  }, [highlights, intervalMs]);

  const index = highlights.length ? highlights[pos % highlights.length] : null;
  useEffect(() => {
    if (index === null || !evaluation || !cache) return;
    let live = true;
    const cached = cache.get(index);
    const load = cached ? Promise.resolve(cached) : getEngine().heatmap(index);
    load
      .then((h) => {
        cache.set(index, h);
        if (!live || !canvasRef.current) return;
        drawResult(canvasRef.current, h, evaluation.metrics.f1Pixel.threshold);
        setShown(index);
      })
      .catch((err: unknown) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [index, evaluation, cache]);

  if (!evaluation || index === null) return null;
  const info = summary?.test[index];
  const score = evaluation.scores[index];
  const flagged = score > evaluation.metrics.f1Image.threshold;
  return (
    <figure className={`demo-showcase${large ? ' demo-showcase--large' : ''}`} data-testid="demo-showcase">
      <canvas
        ref={canvasRef}
        className="demo-showcase__image"
        data-testid="demo-showcase-image"
        data-index={shown ?? ''}
        aria-label="Test image with its anomaly heat map"
      />
      <figcaption>
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
        {error && <span className="demo-error">{error}</span>}
      </figcaption>
    </figure>
  );
}
