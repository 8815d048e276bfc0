import type { HeatmapData } from '../../../workers/session-api';
import type { OverlayView } from '../../state/results-store';
import type { OverlayOptions } from './overlay';

/** The detail view's style until the user changes it. */
export const DEFAULT_VIEW: OverlayView = { opacity: 0.5, colormap: 'jet', showMask: true, showSeg: true };

/** Overlay options of the current view; the colour scale is the evaluation's shared map range. */
export function overlayOptions(view: OverlayView, pixelThreshold: number, data: HeatmapData): OverlayOptions {
  return {
    min: data.mapMin,
    max: data.mapMax,
    opacity: view.opacity,
    colormap: view.colormap,
    showMask: view.showMask,
    segThreshold: view.showSeg ? pixelThreshold : null,
  };
}

export const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');
export const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(2)} %` : '—');
