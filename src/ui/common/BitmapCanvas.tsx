import { useEffect, useRef } from 'react';

interface BitmapCanvasProps {
  bitmap: ImageBitmap | null;
  /** CSS size in pixels (the canvas keeps the bitmap's own resolution). */
  size: number;
  label: string;
  testId?: string;
}

/** Draws an ImageBitmap into a canvas; an empty grey square until the bitmap arrives. */
export function BitmapCanvas({ bitmap, size, label, testId }: BitmapCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !bitmap) return;
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    try {
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
    } catch {
      // A bitmap closed elsewhere cannot be drawn; the placeholder stays.
    }
  }, [bitmap]);
  return (
    <canvas
      ref={ref}
      className="bitmap"
      width={1}
      height={1}
      style={{ width: size, height: size }}
      role="img"
      aria-label={label}
      data-testid={testId}
      data-ready={bitmap ? 'true' : 'false'}
    />
  );
}
