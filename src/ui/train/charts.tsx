import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface SeriesSpec {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
}

export type ChartRow = Record<string, number | null>;

interface StepChartProps {
  title: string;
  rows: ChartRow[];
  series: SeriesSpec[];
  log?: boolean;
  /** Draw a dot per value (for series measured only on some steps). */
  dots?: boolean;
  height?: number;
  testId: string;
  /** Key of the x value in each row. */
  x?: string;
  /** Bridge missing values (runs logged at different steps) instead of leaving gaps. */
  connectNulls?: boolean;
}

const formatTick = (v: number): string =>
  v === 0
    ? '0'
    : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3
      ? v.toExponential(0)
      : String(Number(v.toPrecision(3)));

/**
 * A line chart over training steps, without animation (it redraws as steps arrive). Memoised: the
 * panel around it re-renders on every step, the chart only when its rows change.
 */
export const StepChart = memo(function StepChart({
  title,
  rows,
  series,
  log = false,
  dots = false,
  height = 220,
  testId,
  x = 'step',
  connectNulls = false,
}: StepChartProps) {
  return (
    <figure className="chart" data-testid={testId} data-points={rows.length}>
      <figcaption>{title}</figcaption>
      {rows.length === 0 ? (
        <p className="muted chart-empty" style={{ height }}>
          No data yet.
        </p>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 5, right: 16, bottom: 5, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" />
            <XAxis
              dataKey={x}
              type="number"
              domain={['dataMin', 'dataMax']}
              allowDecimals={false}
              fontSize={12}
            />
            <YAxis
              scale={log ? 'log' : 'auto'}
              domain={log ? ['auto', 'auto'] : [0, 'auto']}
              allowDataOverflow={log}
              tickFormatter={formatTick}
              width={56}
              fontSize={12}
            />
            <Tooltip
              isAnimationActive={false}
              formatter={(v) => (typeof v === 'number' ? v.toPrecision(4) : String(v))}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {series.map((s) => (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.label}
                stroke={s.color}
                strokeDasharray={s.dashed ? '5 3' : undefined}
                dot={dots ? { r: 2 } : false}
                isAnimationActive={false}
                connectNulls={connectNulls}
                strokeWidth={1.5}
                type="linear"
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
});
