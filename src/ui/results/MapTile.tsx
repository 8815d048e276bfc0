import { useEffect, useRef, useState } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { mapThumbnail, useResultsStore } from '../../state/results-store';
import { thumbnail } from '../dataset/thumbnail-cache';
import { composeOverlay } from './overlay';

interface MapTileProps {
  index: number;
  /** Requested bitmap side and CSS side. */
  size: number;
  label: string;
}

/**
 * A test image's thumbnail with its anomaly map over it, in the detail view's colour map and
 * opacity and on the evaluation's shared scale, so tiles compare at a glance.
 */
export function MapTile({ index, size, label }: MapTileProps) {
  const generation = useDatasetStore((s) => s.generation);
  const stamp = useResultsStore((s) => s.stamp);
  const opacity = useResultsStore((s) => s.view.opacity);
  const colormap = useResultsStore((s) => s.view.colormap);
  const ref = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState<string | null>(null);
  const key = `${generation}:${stamp}:${index}:${size}:${opacity}:${colormap}`;

  useEffect(() => {
    const ctrl = new AbortController();
    void (async () => {
      const bitmap = await thumbnail(generation, 'test', index, size, ctrl.signal);
      const heat = await mapThumbnail(index, bitmap.width);
      const canvas = ref.current;
      const ctx = canvas?.getContext('2d', { willReadFrequently: true });
      if (ctrl.signal.aborted || !canvas || !ctx) return;
      const px = bitmap.width;
      canvas.width = px;
      canvas.height = px;
      ctx.drawImage(bitmap, 0, 0, px, px);
      const image = ctx.getImageData(0, 0, px, px).data;
      const rgba = composeOverlay(
        { size: px, image, map: heat.map, mask: null },
        { min: heat.mapMin, max: heat.mapMax, opacity, colormap, showMask: false, segThreshold: null },
      );
      ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), px, px), 0, 0);
      setDrawn(key);
    })().catch(() => undefined);
    return () => ctrl.abort();
  }, [generation, index, size, opacity, colormap, key]);

  return (
    <canvas
      ref={ref}
      className="bitmap map-tile"
      width={1}
      height={1}
      style={{ width: size, height: size }}
      role="img"
      aria-label={`${label} with its anomaly map`}
      data-testid={`map-tile-${index}`}
      data-ready={drawn === key ? 'true' : 'false'}
    />
  );
}
