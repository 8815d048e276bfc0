// Heat-map overlays as PNG files, rendered with the same composition as the detail view.
import { composeOverlay, type OverlayOptions, type OverlaySource } from '../results/overlay';

export async function overlayPng(source: OverlaySource, options: OverlayOptions): Promise<Blob> {
  const rgba = composeOverlay(source, options);
  const canvas = document.createElement('canvas');
  canvas.width = source.size;
  canvas.height = source.size;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser gives no 2D canvas to render the PNG.');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), source.size, source.size), 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed.'))), 'image/png'),
  );
}
