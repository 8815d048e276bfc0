import { useMemo, useState } from 'react';
import { CONFIG_SCHEMA, type ConfigKey } from '../../core/config';
import type { MetricsSummary, RunRecord, StepReport } from '../../../workers/engine-api';
import { StepChart, type SeriesSpec } from '../train/charts';
import { formatMetric } from '../train/format';
import { overlayRows } from '../train/series';
import { targetStep } from './run-actions';

const TERMS: { key: keyof StepReport['loss']; label: string }[] = [
  { key: 'total', label: 'total' },
  { key: 'kd', label: 'L_KD' },
  { key: 'ot', label: 'L_OT' },
  { key: 'con', label: 'L_Con' },
  { key: 'se', label: 'L_SE' },
];
const COLORS = ['#0b5fcc', '#d9480f'];

const METRICS: { label: string; get(m: MetricsSummary): number }[] = [
  { label: 'Image AUROC', get: (m) => m.imageAuroc },
  { label: 'Pixel AUROC', get: (m) => m.pixelAuroc },
  { label: 'PRO (FPR ≤ 0.3)', get: (m) => m.proMvtec03 },
  { label: 'PRO (full range)', get: (m) => m.proFullRange },
  { label: 'Image F1', get: (m) => m.f1Image.f1 },
  { label: 'Pixel F1', get: (m) => m.f1Pixel.f1 },
];

const runLabel = (r: RunRecord): string =>
  `${r.dataset} · ${r.config.model}/${r.config.teacher} · ${new Date(r.createdAt).toLocaleString()}`;

/** Two runs side by side: one loss term overlaid, then metrics and the options that differ. */
export function RunCompare({ runs }: { runs: [RunRecord, RunRecord] }) {
  const [term, setTerm] = useState<keyof StepReport['loss']>('total');
  const rows = useMemo(() => overlayRows([runs[0].history, runs[1].history], term), [runs, term]);
  // Kept between renders, as StepChart redraws only when its props change.
  const series = useMemo<SeriesSpec[]>(
    () => runs.map((r, i) => ({ key: `run${i}`, label: `run ${i + 1}: ${r.id}`, color: COLORS[i] })),
    [runs],
  );
  const differing = (Object.keys(CONFIG_SCHEMA) as ConfigKey[]).filter(
    (k) => runs[0].config[k] !== runs[1].config[k],
  );

  return (
    <section aria-labelledby="compare-heading" data-testid="run-compare">
      <h3 id="compare-heading">Comparison</h3>
      <label>
        Loss term{' '}
        <select
          value={term}
          onChange={(e) => setTerm(e.currentTarget.value as keyof StepReport['loss'])}
          data-testid="compare-term"
        >
          {TERMS.map((t) => (
            <option key={t.key} value={t.key}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <StepChart
        title={`${term} loss of both runs`}
        rows={rows}
        series={series}
        connectNulls
        testId="compare-chart"
      />
      <table className="compare-table">
        <thead>
          <tr>
            <th scope="col" />
            {runs.map((r, i) => (
              <th key={r.id} scope="col" title={runLabel(r)}>
                run {i + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Dataset</th>
            {runs.map((r) => (
              <td key={r.id}>{r.dataset}</td>
            ))}
          </tr>
          <tr>
            <th scope="row">Step</th>
            {runs.map((r) => (
              <td key={r.id}>
                {r.step} / {targetStep(r)}
              </td>
            ))}
          </tr>
          {METRICS.map((m) => (
            <tr key={m.label}>
              <th scope="row">{m.label}</th>
              {runs.map((r) => (
                <td key={r.id}>{r.metrics ? formatMetric(m.get(r.metrics)) : 'not evaluated'}</td>
              ))}
            </tr>
          ))}
          {differing.map((k) => (
            <tr key={k} className="config-diff">
              <th scope="row">{CONFIG_SCHEMA[k].label}</th>
              {runs.map((r) => (
                <td key={r.id}>{String(r.config[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {differing.length === 0 && <p className="muted">Both runs used the same options.</p>}
    </section>
  );
}
