import { useEffect, useRef, useState } from 'react';
import type { DatasetImageInfo } from '../../../workers/engine-api';
import { BitmapCanvas } from '../common/BitmapCanvas';
import { thumbnail } from './thumbnail-cache';

const THUMB = 96;
const CELL_W = THUMB + 10;
const CELL_H = THUMB + 30; // image + caption
const GAP = 8;
const HEIGHT = 300;
const OVERSCAN_ROWS = 1;

interface ThumbnailGridProps {
  generation: number;
  split: 'train' | 'test';
  images: DatasetImageInfo[];
}

function Thumb({
  generation,
  split,
  index,
  info,
}: {
  generation: number;
  split: 'train' | 'test';
  index: number;
  info: DatasetImageInfo;
}) {
  const [bitmap, setBitmap] = useState<ImageBitmap | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    thumbnail(generation, split, index, THUMB, abort.signal).then(
      (b) => !abort.signal.aborted && setBitmap(b),
      (err: unknown) => {
        if (!abort.signal.aborted && !(err instanceof DOMException && err.name === 'AbortError'))
          setFailed(true);
      },
    );
    return () => abort.abort();
  }, [generation, split, index]);
  const name = info.path.split('/').slice(-2).join('/');
  return (
    <figure className="thumb" title={info.path} data-testid="thumb">
      {failed ? (
        <div className="thumb-failed" style={{ width: THUMB, height: THUMB }}>
          no preview
        </div>
      ) : (
        <BitmapCanvas bitmap={bitmap} size={THUMB} label={info.path} />
      )}
      <figcaption className={info.label === 1 ? 'defect' : undefined}>{name}</figcaption>
    </figure>
  );
}

/**
 * Only the rows in view (plus one) are rendered; each cell fetches its thumbnail when mounted.
 * Give it a `key` per split and dataset so the scroll position starts over.
 */
export function ThumbnailGrid({ generation, split, images }: ThumbnailGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [scrollTop, setScrollTop] = useState(0);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    setWidth(el.clientWidth);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width - GAP) / (CELL_W + GAP)));
  const rowHeight = CELL_H + GAP;
  const rows = Math.ceil(images.length / columns);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN_ROWS);
  const last = Math.min(rows - 1, Math.ceil((scrollTop + HEIGHT) / rowHeight) + OVERSCAN_ROWS);

  const cells = [];
  for (let r = first; r <= last; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      if (i >= images.length) break;
      cells.push(
        <div
          key={i}
          className="thumb-cell"
          style={{ top: r * rowHeight, left: GAP + c * (CELL_W + GAP), width: CELL_W }}
        >
          <Thumb generation={generation} split={split} index={i} info={images[i]} />
        </div>,
      );
    }
  }

  return (
    <div
      ref={scroller}
      className="thumb-grid"
      style={{ height: HEIGHT }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      tabIndex={0}
      role="region"
      aria-label={`${split} images (${images.length}), scrollable`}
      data-testid={`thumb-grid-${split}`}
      data-rendered={cells.length}
    >
      <div style={{ height: rows * rowHeight, position: 'relative' }}>{cells}</div>
    </div>
  );
}
