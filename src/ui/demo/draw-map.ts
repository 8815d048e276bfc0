// Canvas drawing of an anomaly map over its image, shared by the demo showcase and the live strip
// of the Train panel: the image in dimmed grey, the map coloured where it is high, the ground truth
// outlined.
import { greyBase, heatOverlayRgba, maskContour, type MapScale } from './heatmap';

/** Ground-truth outline: cyan appears nowhere in the overlay ramp nor on the grey base. */
export const CONTOUR_COLOUR = '#22e4ff';

export interface MapLayer {
  /** Side of the map. */
  size: number;
  map: Float32Array;
  mask: Uint8Array | null;
  /** Side of the mask when it differs from the map's. */
  maskSize?: number;
}

/** A canvas holding RGBA pixels, to be drawn scaled. */
export function rgbaCanvas(rgba: Uint8ClampedArray<ArrayBuffer>, size: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  c.getContext('2d')?.putImageData(new ImageData(rgba, size, size), 0, 0);
  return c;
}

/** Draws `base` (any square image) at `px`, greyed, with the map and the mask's outline over it. */
export function drawAnomalyMap(
  canvas: HTMLCanvasElement,
  base: CanvasImageSource,
  layer: MapLayer,
  scale: MapScale,
  px: number,
): void {
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(base, 0, 0, px, px);
  ctx.putImageData(new ImageData(greyBase(ctx.getImageData(0, 0, px, px).data), px, px), 0, 0);
  ctx.drawImage(rgbaCanvas(heatOverlayRgba(layer.map, scale), layer.size), 0, 0, px, px);
  if (!layer.mask) return;
  const maskSize = layer.maskSize ?? layer.size;
  const k = px / maskSize;
  ctx.beginPath();
  for (const [x0, y0, x1, y1] of maskContour(layer.mask, maskSize)) {
    ctx.moveTo(x0 * k, y0 * k);
    ctx.lineTo(x1 * k, y1 * k);
  }
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  // A dark halo keeps the outline visible where it crosses the palest colours.
  ctx.strokeStyle = 'rgb(0 0 0 / 60%)';
  ctx.lineWidth = Math.max(3, px / 64);
  ctx.stroke();
  ctx.strokeStyle = CONTOUR_COLOUR;
  ctx.lineWidth = Math.max(1.5, px / 128);
  ctx.stroke();
}
