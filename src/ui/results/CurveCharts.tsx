import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { CurvePoints, EvaluationSummary } from '../../../workers/session-api';
import { thinCurve } from './threshold';
import { fmt, pct } from './view';

interface CurveProps {
  title: string;
  curve: CurvePoints;
  xLabel: string;
  yLabel: string;
  summary: string;
  testId: string;
  /** Vertical marker, e.g. the FPR 0.3 limit of the MVTec PRO. */
  marker?: { x: number; label: string };
  diagonal?: boolean;
}

const W = 270;
const H = 220;

function Curve({ title, curve, xLabel, yLabel, summary, testId, marker, diagonal }: CurveProps) {
  const data = thinCurve(curve.x, curve.y);
  return (
    <figure className="curve" data-testid={testId} data-points={curve.x.length}>
      <figcaption>
        <strong>{title}</strong> <span className="muted">{summary}</span>
      </figcaption>
      <LineChart width={W} height={H} data={data} margin={{ top: 8, right: 12, bottom: 22, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="x"
          domain={[0, 1]}
          ticks={[0, 0.25, 0.5, 0.75, 1]}
          label={{ value: xLabel, position: 'insideBottom', offset: -12 }}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          ticks={[0, 0.25, 0.5, 0.75, 1]}
          width={44}
          label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: 10 }}
        />
        <Tooltip
          formatter={(v) => fmt(Number(v), 3)}
          labelFormatter={(v) => `${xLabel} ${fmt(Number(v), 3)}`}
        />
        {diagonal && (
          <ReferenceLine
            segment={[
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ]}
            stroke="#aab"
            strokeDasharray="4 4"
          />
        )}
        {marker && <ReferenceLine x={marker.x} stroke="#b00020" strokeDasharray="4 3" label={marker.label} />}
        <Line
          type="linear"
          dataKey="y"
          name={yLabel}
          stroke="#0b5fcc"
          dot={false}
          isAnimationActive={false}
        />
      </LineChart>
    </figure>
  );
}

/** Image ROC, pixel ROC and the PRO curve of one evaluation. */
export function CurveCharts({ summary }: { summary: EvaluationSummary }) {
  const m = summary.metrics;
  return (
    <div className="curves">
      <Curve
        title="Image ROC"
        curve={summary.roc}
        xLabel="FPR"
        yLabel="TPR"
        summary={`AUROC ${pct(m.imageAuroc)}`}
        testId="curve-roc"
        diagonal
      />
      <Curve
        title="Pixel ROC"
        curve={summary.rocPixel}
        xLabel="FPR"
        yLabel="TPR"
        summary={`AUROC ${pct(m.pixelAuroc)}`}
        testId="curve-roc-pixel"
        diagonal
      />
      <Curve
        title="PRO"
        curve={summary.pro}
        xLabel="FPR"
        yLabel="PRO"
        summary={`${pct(m.proFullRange)} (0–1) · ${pct(m.proMvtec03)} (@0.3)`}
        testId="curve-pro"
        marker={{ x: 0.3, label: '0.3' }}
      />
    </div>
  );
}
