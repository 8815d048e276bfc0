import { useEffect, useState } from 'react';
import { useDatasetStore } from '../../state/dataset-store';
import { BitmapCanvas } from '../common/BitmapCanvas';
import { thumbnail } from '../dataset/thumbnail-cache';

interface ThumbProps {
  split: 'train' | 'test';
  index: number;
  /** Requested bitmap side. */
  size: number;
  /** CSS side (defaults to `size`). */
  display?: number;
  label: string;
  testId?: string;
}

/** A dataset image thumbnail from the worker (cached per dataset load). */
export function Thumb({ split, index, size, display, label, testId }: ThumbProps) {
  const generation = useDatasetStore((s) => s.generation);
  const [bitmap, setBitmap] = useState<{ key: string; bitmap: ImageBitmap } | null>(null);
  const key = `${generation}:${split}:${index}:${size}`;
  useEffect(() => {
    const ctrl = new AbortController();
    thumbnail(generation, split, index, size, ctrl.signal).then(
      (b) => {
        if (!ctrl.signal.aborted) setBitmap({ key, bitmap: b });
      },
      () => undefined,
    );
    return () => ctrl.abort();
  }, [generation, split, index, size, key]);
  return (
    <BitmapCanvas
      bitmap={bitmap?.key === key ? bitmap.bitmap : null}
      size={display ?? size}
      label={label}
      testId={testId}
    />
  );
}
