// Inline SVG figures of the run report: line charts (training curves, ROC / PRO) and the score
// histogram, drawn as strings so the report needs no script and no library to show them.
import type { Histogram } from '../ui/results/threshold';
import { fmt } from '../ui/results/view';
import { formatAxisTick } from '../ui/train/format';

/** Escapes text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /** [x, y] points; null y values leave a gap. */
  points: [number, number | null][];
}

export interface LineChartSpec {
  title: string;
  series: Series[];
  xLabel: string;
  yLabel: string;
  /** Fixed axis ranges (ROC, PRO); otherwise from the data, y from 0 (or the data's range on a log axis). */
  xDomain?: [number, number];
  yDomain?: [number, number];
  logY?: boolean;
  /** Dashed diagonal from (0,0) to (1,1). */
  diagonal?: boolean;
  /** Vertical marker line. */
  marker?: { x: number; label: string };
  width?: number;
  height?: number;
  testId?: string;
}

const PAD = { left: 52, right: 14, top: 12, bottom: 38 };

/** About five round tick values spanning [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks of a log axis: 1-2-5 within a decade or two, else every decade (or every few, over many). */
export function logTicks(lo: number, hi: number): number[] {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const within = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  if (last - first <= 2)
    return Array.from({ length: last - first + 1 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** (first + i)))
      .flat()
      .filter(within)
      .map((v) => Number(v.toPrecision(6)));
  const every = Math.ceil((last - first) / 6);
  const out: number[] = [];
  for (let e = Math.ceil(first / every) * every; e <= last; e += every)
    if (within(10 ** e)) out.push(10 ** e);
  return out;
}

export function lineChart(spec: LineChartSpec): string {
  const W = spec.width ?? 420;
  const H = spec.height ?? 240;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => (p[1] === null ? [] : [p[1]])));
  if (xs.length === 0 || ys.length === 0)
    return `<figure class="chart"${spec.testId ? ` data-testid="${spec.testId}"` : ''}><figcaption>${esc(spec.title)}</figcaption><p class="muted">No data.</p></figure>`;
  const [x0, x1] = spec.xDomain ?? [Math.min(...xs), Math.max(...xs)];
  const log = spec.logY === true;
  const tf = (v: number) => (log ? Math.log10(v) : v);
  const [y0, yMax] = spec.yDomain ?? (log ? [Math.min(...ys), Math.max(...ys)] : [0, Math.max(...ys)]);
  // A flat series still gets a visible range: one decade on a log axis, one unit on a linear one.
  const y1 = yMax > y0 ? yMax : y0 + (log ? y0 * 9 || 1 : 1);
  const [ty0, ty1] = [tf(y0), tf(y1)];
  const xOf = (x: number) => PAD.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * plotW : plotW / 2);
  const yOf = (y: number) => PAD.top + plotH - ((tf(y) - ty0) / (ty1 - ty0)) * plotH;
  const parts: string[] = [];
  const xTicks = niceTicks(x0, x1);
  const yTicks = log ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const t of xTicks)
    parts.push(
      `<line class="grid" x1="${xOf(t)}" x2="${xOf(t)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`,
      `<text class="tick" x="${xOf(t)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${formatAxisTick(t)}</text>`,
    );
  for (const t of yTicks)
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${yOf(t)}" y2="${yOf(t)}"/>`,
      `<text class="tick" x="${PAD.left - 4}" y="${yOf(t) + 4}" text-anchor="end">${formatAxisTick(t)}</text>`,
    );
  parts.push(
    `<rect class="frame" x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}"/>`,
    `<text class="axis" x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text class="axis" transform="translate(12 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}${log ? ' (log)' : ''}</text>`,
  );
  if (spec.diagonal)
    parts.push(`<line class="diagonal" x1="${xOf(0)}" y1="${yOf(0)}" x2="${xOf(1)}" y2="${yOf(1)}"/>`);
  if (spec.marker)
    parts.push(
      `<line class="marker" x1="${xOf(spec.marker.x)}" x2="${xOf(spec.marker.x)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`,
      `<text class="tick marker-label" x="${xOf(spec.marker.x) + 3}" y="${PAD.top + 10}">${esc(spec.marker.label)}</text>`,
    );
  for (const s of spec.series) {
    // A gap (null, or a value a log axis cannot show) starts a new sub-path.
    let d = '';
    let pen = 'M';
    for (const [x, y] of s.points) {
      if (y === null || (log && !(y > 0))) {
        pen = 'M';
        continue;
      }
      d += `${pen}${xOf(x).toFixed(2)},${yOf(y).toFixed(2)}`;
      pen = 'L';
    }
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.label)}</title></path>`,
    );
  }
  const legend =
    spec.series.length > 1
      ? `<p class="legend">${spec.series.map((s) => `<span class="swatch" style="background:${s.color}"></span>${esc(s.label)}`).join(' ')}</p>`
      : '';
  const points = spec.series.reduce((n, s) => n + s.points.length, 0);
  return (
    `<figure class="chart"${spec.testId ? ` data-testid="${spec.testId}"` : ''} data-points="${points}">` +
    `<figcaption>${spec.title}</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title.replace(/<[^>]*>/g, ''))}">${parts.join('')}</svg>` +
    `${legend}</figure>`
  );
}

/**
 * The Results tab's score histogram (same geometry, bins and bar titles) with the chosen threshold.
 */
export function histogramSvg(hist: Histogram, threshold: number): string {
  const W = 600;
  const H = 180;
  const P = { left: 36, right: 12, top: 10, bottom: 28 };
  const bins = hist.normal.length;
  const plotW = W - P.left - P.right;
  const plotH = H - P.top - P.bottom;
  const peak = Math.max(1, ...hist.normal, ...hist.anomalous);
  const xOf = (v: number) => P.left + ((v - hist.min) / (hist.max - hist.min)) * plotW;
  const barW = plotW / bins;
  const parts: string[] = [];
  for (let b = 0; b < bins; b++) {
    const x = P.left + b * barW;
    const range = `[${fmt(hist.min + b * hist.width)}, ${fmt(hist.min + (b + 1) * hist.width)})`;
    const hn = (hist.normal[b] / peak) * plotH;
    const ha = (hist.anomalous[b] / peak) * plotH;
    parts.push(
      `<rect class="bar-normal" x="${x + 1}" y="${P.top + plotH - hn}" width="${barW / 2 - 1}" height="${hn}"><title>${hist.normal[b]} normal in ${range}</title></rect>`,
      `<rect class="bar-anomalous" x="${x + barW / 2}" y="${P.top + plotH - ha}" width="${barW / 2 - 1}" height="${ha}"><title>${hist.anomalous[b]} anomalous in ${range}</title></rect>`,
    );
  }
  const t = Number.isFinite(threshold) ? Math.min(hist.max, Math.max(hist.min, threshold)) : hist.max;
  parts.push(
    `<line x1="${P.left}" x2="${W - P.right}" y1="${P.top + plotH}" y2="${P.top + plotH}" stroke="#888"/>`,
    `<text class="tick" x="${P.left}" y="${H - 8}">${fmt(hist.min, 3)}</text>`,
    `<text class="tick" x="${W - P.right}" y="${H - 8}" text-anchor="end">${fmt(hist.max, 3)}</text>`,
    `<text class="axis" x="${P.left + plotW / 2}" y="${H - 8}" text-anchor="middle">image score</text>`,
    `<text class="tick" x="${P.left - 4}" y="${P.top + 10}" text-anchor="end">${peak}</text>`,
    `<line class="threshold" x1="${xOf(t)}" x2="${xOf(t)}" y1="${P.top - 4}" y2="${P.top + plotH}"><title>threshold ${fmt(threshold)}</title></line>`,
  );
  return `<svg class="histogram" data-testid="report-histogram" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Histogram of image anomaly scores">${parts.join('')}</svg>`;
}
