import { overlayFloor, overlayGradient, type MapScale } from './heatmap';
import './heat-legend.css';

const fmt = (v: number): string => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(2));

/**
 * The colour scale of an anomaly-map overlay: the ramp from the floor (below it nothing is
 * coloured) to the top of the range, with the map values at both ends and between. `belowNote`
 * says where the floor comes from.
 */
export function HeatLegend({
  scale,
  belowNote = 'not coloured: below the pixel threshold with the best F1 on this test set',
}: {
  scale: MapScale;
  belowNote?: string;
}) {
  const floor = overlayFloor(scale);
  const mid = (floor + scale.max) / 2;
  return (
    <div className="heat-legend" data-testid="heat-legend" data-floor={floor} data-max={scale.max}>
      <span className="heat-legend__title">Anomaly score per pixel</span>
      <div className="heat-legend__scale">
        <span className="heat-legend__below" title={`Below ${fmt(floor)}: ${belowNote}.`}>
          &lt; {fmt(floor)}: not coloured
        </span>
        <div className="heat-legend__ramp">
          <div className="heat-legend__bar" style={{ background: overlayGradient() }} />
          <div className="heat-legend__ticks">
            <span>{fmt(floor)}</span>
            <span>{fmt(mid)}</span>
            <span>{fmt(scale.max)}</span>
          </div>
        </div>
      </div>
    </div>
  );
}
