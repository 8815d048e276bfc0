import type { MetricsSummary } from '../../../workers/session-api';
import { fmt, pct } from './view';

/** The headline metrics; both PRO integrals are shown because papers mix the two conventions. */
export function MetricsTable({ metrics }: { metrics: MetricsSummary }) {
  const rows: [string, string, string, string][] = [
    ['I-AUROC', pct(metrics.imageAuroc), 'Image-level ROC area', 'i-auroc'],
    ['P-AUROC', pct(metrics.pixelAuroc), 'Pixel-level ROC area', 'p-auroc'],
    [
      'PRO (FPR 0–1, reference)',
      pct(metrics.proFullRange),
      'PRO curve integrated over the whole FPR range, as the reference code reports it',
      'pro-full',
    ],
    [
      'PRO@0.3 (MVTec)',
      pct(metrics.proMvtec03),
      'PRO curve integrated up to FPR 0.3 and divided by 0.3 (MVTec AD convention)',
      'pro-03',
    ],
    [
      'F1-max (image)',
      pct(metrics.f1Image.f1),
      `at score threshold ${fmt(metrics.f1Image.threshold)}`,
      'f1-image',
    ],
    [
      'F1-max (pixel)',
      pct(metrics.f1Pixel.f1),
      `at map threshold ${fmt(metrics.f1Pixel.threshold)}`,
      'f1-pixel',
    ],
  ];
  return (
    <table className="metrics-table" data-testid="metrics-table">
      <caption className="visually-hidden">Evaluation metrics</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Value</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, value, note, id]) => (
          <tr key={id}>
            <th scope="row">{name}</th>
            <td data-testid={`metric-${id}`}>{value}</td>
            <td className="muted">{note}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
