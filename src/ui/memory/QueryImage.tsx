import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { thumbnail } from '../dataset/thumbnail-cache';

interface QueryImageProps {
  index: number;
  display: number;
  /** Fractions of the image side, or null. */
  point: { x: number; y: number } | null;
  onPoint(p: { x: number; y: number } | null): void;
  /** Grid of the coarsest level, drawn faintly so the user sees what one cell covers. */
  grid: number | null;
}

const SIZE = 256;

/** The query test image; click (or arrows / Enter) picks the location items are ranked at. */
export function QueryImage({ index, display, point, onPoint, grid }: QueryImageProps) {
  const generation = useDatasetStore((s) => s.generation);
  const ref = useRef<HTMLCanvasElement>(null);
  const [bitmap, setBitmap] = useState<ImageBitmap | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    thumbnail(generation, 'test', index, SIZE, ctrl.signal).then(
      (b) => !ctrl.signal.aborted && setBitmap(b),
      () => undefined,
    );
    return () => ctrl.abort();
  }, [generation, index]);

  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.fillStyle = '#ddd';
    ctx.fillRect(0, 0, SIZE, SIZE);
    if (bitmap) {
      try {
        ctx.drawImage(bitmap, 0, 0, SIZE, SIZE);
      } catch {
        // A closed bitmap: keep the grey square.
      }
    }
    if (grid) {
      ctx.strokeStyle = 'rgba(255,255,255,0.25)';
      ctx.lineWidth = 1;
      for (let g = 1; g < grid; g++) {
        const v = Math.round((g / grid) * SIZE) + 0.5;
        ctx.beginPath();
        ctx.moveTo(v, 0);
        ctx.lineTo(v, SIZE);
        ctx.moveTo(0, v);
        ctx.lineTo(SIZE, v);
        ctx.stroke();
      }
    }
    if (point) {
      const x = point.x * SIZE;
      const y = point.y * SIZE;
      ctx.strokeStyle = '#ff2d55';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, Math.PI * 2);
      ctx.moveTo(x - 12, y);
      ctx.lineTo(x + 12, y);
      ctx.moveTo(x, y - 12);
      ctx.lineTo(x, y + 12);
      ctx.stroke();
    }
  }, [bitmap, point, grid]);

  const onClick = (e: MouseEvent<HTMLCanvasElement>): void => {
    const r = e.currentTarget.getBoundingClientRect();
    const clamp = (v: number): number => Math.min(0.999, Math.max(0, v));
    onPoint({ x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>): void => {
    const step = e.shiftKey ? 1 / 8 : 1 / 32;
    const p = point ?? { x: 0.5, y: 0.5 };
    const clamp = (v: number): number => Math.min(0.999, Math.max(0, v));
    const moves: Record<string, { x: number; y: number } | null> = {
      ArrowLeft: { x: clamp(p.x - step), y: p.y },
      ArrowRight: { x: clamp(p.x + step), y: p.y },
      ArrowUp: { x: p.x, y: clamp(p.y - step) },
      ArrowDown: { x: p.x, y: clamp(p.y + step) },
      Enter: p,
      ' ': p,
      Escape: null,
      Delete: null,
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    onPoint(moves[e.key]);
  };

  return (
    <canvas
      ref={ref}
      width={SIZE}
      height={SIZE}
      className="query-canvas"
      style={{ width: display, height: display }}
      tabIndex={0}
      role="img"
      aria-label={
        point
          ? `Query image ${index}; ranking at (${Math.round(point.x * 100)} %, ${Math.round(point.y * 100)} %). Arrows move, Esc clears.`
          : `Query image ${index}; click or press Enter to rank the memory items at a location.`
      }
      onClick={onClick}
      onKeyDown={onKeyDown}
      data-testid="memory-query"
    />
  );
}
