import { useEffect, useRef, type MouseEvent } from 'react';
import { composeOverlay, type OverlayOptions, type OverlaySource } from './overlay';

interface OverlayCanvasProps {
  source: OverlaySource;
  options: OverlayOptions;
  /** CSS side in pixels. */
  display: number;
  label: string;
  testId?: string;
  /** Image-pixel coordinates of a click. */
  onPick?(x: number, y: number): void;
}

/** The composed heat-map overlay at the map's own resolution, scaled by CSS. */
export function OverlayCanvas({ source, options, display, label, testId, onPick }: OverlayCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = source.size;
    canvas.height = source.size;
    const rgba = composeOverlay(source, options);
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), source.size, source.size), 0, 0);
  }, [source, options]);

  const onClick = (e: MouseEvent<HTMLCanvasElement>): void => {
    if (!onPick) return;
    const r = e.currentTarget.getBoundingClientRect();
    onPick(((e.clientX - r.left) / r.width) * source.size, ((e.clientY - r.top) / r.height) * source.size);
  };

  return (
    <canvas
      ref={ref}
      className="overlay-canvas"
      width={source.size}
      height={source.size}
      style={{ width: display, height: display }}
      role="img"
      aria-label={label}
      data-testid={testId}
      onClick={onClick}
    />
  );
}
