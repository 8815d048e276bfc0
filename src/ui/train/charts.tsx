import {
  memo,
  useDeferredValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type RefObject,
} from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis, type AxisDomain } from 'recharts';
import { formatAxisTick } from './format';

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
  /** Redraw this long after `rows` change (see useLagged); 0: at once. */
  lagMs?: number;
  /** What the chart says while it has no rows. */
  emptyText?: string;
}

// Recharts copies each child's props into its store in effects, and any new object or function
// there (a literal domain, an inline formatter) dispatches and recomputes every selector on each
// redraw: the props below are module constants so that a redraw only carries new data.
const MARGIN = { top: 5, right: 16, bottom: 5, left: 0 };
const X_DOMAIN: AxisDomain = ['dataMin', 'dataMax'];
const Y_DOMAIN_LINEAR: AxisDomain = [0, 'auto'];
const Y_DOMAIN_LOG: AxisDomain = ['auto', 'auto'];
const DOT = { r: 2 };
const formatValue = (v: unknown): string => (typeof v === 'number' ? v.toPrecision(4) : String(v));

/**
 * `value`, `lagMs` after it last changed (at once when `lagMs` is 0). Recharts redraws a chart
 * synchronously, 10–20 ms each on a 2-core machine busy training: charts of one panel given
 * different lags redraw in separate tasks, not in one long one (e2e/soak.spec.ts). A lag must stay
 * below the interval between updates, or the chart waits for them to stop.
 */
function useLagged<T>(value: T, lagMs: number): T {
  const [lagged, setLagged] = useState(value);
  useEffect(() => {
    if (lagMs === 0) return;
    const timer = setTimeout(() => setLagged(value), lagMs);
    return () => clearTimeout(timer);
  }, [value, lagMs]);
  return lagMs === 0 ? value : lagged;
}

/**
 * The element's width, kept while it is hidden. Recharts' ResponsiveContainer unmounts its chart
 * when it measures 0 (a panel hidden by CSS) and mounts it anew, effects and all, on the next
 * showing; a chart given this width is not touched by hiding.
 */
function useShownWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const keep = (w: number): void => {
      if (w > 0) setWidth(Math.round(w));
    };
    keep(element.getBoundingClientRect().width);
    const observer = new ResizeObserver(([entry]) => keep(entry.contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/**
 * A line chart over training steps, without animation (it redraws as steps arrive). Memoised: the
 * panel around it re-renders on every step, the chart only when its rows change. The redraw is a
 * deferred render, so it runs in slices after the update that brought the rows.
 */
export const StepChart = memo(function StepChart({
  rows,
  log = false,
  lagMs = 0,
  ...figure
}: StepChartProps) {
  // The scale lags with the rows: log-scale rows (no zeros) and a log axis go together.
  const current = useMemo(() => ({ rows, log }), [rows, log]);
  const drawn = useDeferredValue(useLagged(current, lagMs));
  return <ChartFigure {...figure} rows={drawn.rows} log={drawn.log} />;
});

type ChartFigureProps = Omit<StepChartProps, 'lagMs'>;

const ChartFigure = memo(function ChartFigure({
  title,
  rows,
  series,
  log = false,
  dots = false,
  height = 220,
  testId,
  x = 'step',
  connectNulls = false,
  emptyText = 'No data yet.',
}: ChartFigureProps) {
  const [body, width] = useShownWidth();
  return (
    <figure className="chart" data-testid={testId} data-points={rows.length}>
      <figcaption>{title}</figcaption>
      <div ref={body} style={{ height }}>
        {rows.length === 0 ? (
          <p className="muted chart-empty">{emptyText}</p>
        ) : (
          width > 0 && (
            <LineChart data={rows} margin={MARGIN} width={width} height={height}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" vertical={false} />
              <XAxis
                dataKey={x}
                type="number"
                domain={X_DOMAIN}
                allowDecimals={false}
                // Number ticks at a chart's width do not collide: skip Recharts' text measuring.
                interval={0}
                fontSize={12}
              />
              <YAxis
                scale={log ? 'log' : 'auto'}
                domain={log ? Y_DOMAIN_LOG : Y_DOMAIN_LINEAR}
                allowDataOverflow={log}
                tickFormatter={formatAxisTick}
                width={56}
                fontSize={12}
              />
              <Tooltip isAnimationActive={false} formatter={formatValue} />
              {series.map((s) => (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  stroke={s.color}
                  strokeDasharray={s.dashed ? '5 3' : undefined}
                  dot={dots ? DOT : false}
                  isAnimationActive={false}
                  connectNulls={connectNulls}
                  strokeWidth={1.5}
                  type="linear"
                />
              ))}
            </LineChart>
          )
        )}
      </div>
      <ul className="chart-legend">
        {series.map((s) => (
          <li key={s.key}>
            <svg width="16" height="8" aria-hidden="true">
              <line
                x1="0"
                y1="4"
                x2="16"
                y2="4"
                stroke={s.color}
                strokeWidth="2"
                strokeDasharray={s.dashed ? '5 3' : undefined}
              />
            </svg>
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
});
