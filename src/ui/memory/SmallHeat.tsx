import { useEffect, useRef } from 'react';
import type { ColormapName } from '../results/colormaps';
import { heatOnly } from '../results/overlay';

interface SmallHeatProps {
  map: Float32Array;
  h: number;
  w: number;
  display: number;
  colormap: ColormapName;
  label: string;
  testId?: string;
}

/** A small feature-grid map, colour-scaled to its own range and enlarged without smoothing. */
export function SmallHeat({ map, h, w, display, colormap, label, testId }: SmallHeatProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = w;
    canvas.height = h;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(heatOnly(map, colormap)), w, h), 0, 0);
  }, [map, h, w, colormap]);
  return (
    <canvas
      ref={ref}
      className="small-heat"
      width={w}
      height={h}
      style={{ width: display, height: (display * h) / w }}
      role="img"
      aria-label={label}
      data-testid={testId}
    />
  );
}
