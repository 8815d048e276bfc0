// The run report as one self-contained HTML file: inline CSS, inline SVG figures, overlays as PNG
// data URLs, no script, and a Content-Security-Policy that forbids every request, so it opens the
// same offline, from a disk, a mail or a slide deck.
import { CONFIG_SCHEMA, type ConfigKey } from '../core/config';
import { confusionAt, HISTOGRAM_BINS, scoreHistogram, thinCurve } from '../ui/results/threshold';
import { fmt, pct } from '../ui/results/view';
import { formatDuration } from '../ui/train/format';
import { GRAD_SERIES, gradRows, LOSS_SERIES, lossRows } from '../ui/train/series';
import { esc, histogramSvg, lineChart, type Series } from './svg';
import type { ReportExample, RunReport } from './types';

export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function renderReport(r: RunReport): string {
  const c = r.config;
  const title = `DM-GRD run report: ${r.dataset.category}, ${c.model} on ${c.teacher}, step ${r.evaluation.step}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="muted">Written by the DM-GRD Playground on ${esc(r.createdAt)}.</p>
${metricsSection(r)}
${curvesSection(r)}
${histogramSection(r)}
${examplesSection(r)}
${trainingSection(r)}
${datasetSection(r)}
${configSection(r)}
${dataScript(r)}
</body>
</html>
`;
}

function table(rows: string[][], head?: string[], testId?: string): string {
  const th = head ? `<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` : '';
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<table${testId ? ` data-testid="${testId}"` : ''}>${th}<tbody>${body}</tbody></table>`;
}

function metricsSection(r: RunReport): string {
  const m = r.evaluation.metrics;
  // The Results tab's metrics table: same rows, same formatting.
  const rows: [string, string, string, string][] = [
    ['I-AUROC', pct(m.imageAuroc), 'Image-level ROC area', 'i-auroc'],
    ['P-AUROC', pct(m.pixelAuroc), 'Pixel-level ROC area', 'p-auroc'],
    ['PRO (FPR 0–1, reference)', pct(m.proFullRange), 'PRO integrated over the whole FPR range', 'pro-full'],
    ['PRO@0.3 (MVTec)', pct(m.proMvtec03), 'PRO integrated up to FPR 0.3, divided by 0.3', 'pro-03'],
    ['F1-max (image)', pct(m.f1Image.f1), `at score threshold ${fmt(m.f1Image.threshold)}`, 'f1-image'],
    ['F1-max (pixel)', pct(m.f1Pixel.f1), `at map threshold ${fmt(m.f1Pixel.threshold)}`, 'f1-pixel'],
  ];
  const headline = `<table data-testid="report-metrics"><thead><tr><th scope="col">Metric</th><th scope="col">Value</th><th scope="col">Note</th></tr></thead><tbody>${rows
    .map(
      ([name, value, note, id]) =>
        `<tr><th scope="row">${name}</th><td data-testid="report-metric-${id}">${value}</td><td class="muted">${esc(note)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  const perType = table(
    r.perType.map((t) => [
      esc(t.defectType),
      String(t.count),
      pct(t.imageAuroc),
      pct(t.pixelAuroc),
      pct(t.proFullRange),
      pct(t.proMvtec03),
      fmt(t.meanScore),
      `${t.flagged} / ${t.count}`,
    ]),
    [
      'Defect type',
      'Images',
      'I-AUROC',
      'P-AUROC',
      'PRO (0–1)',
      'PRO@0.3',
      'Mean score',
      'Flagged at threshold',
    ],
    'report-per-type',
  );
  return `<section><h2>Metrics</h2>${headline}
<h3>Per defect type</h3><p class="muted small">Each row: the normal test images against the images of one defect type.</p>${perType}</section>`;
}

function curvesSection(r: RunReport): string {
  const e = r.evaluation;
  const m = e.metrics;
  const curve = (
    title: string,
    c: { x: number[]; y: number[] },
    y: string,
    summary: string,
    testId: string,
    extra: { diagonal?: boolean; marker?: { x: number; label: string } },
  ) =>
    lineChart({
      title: `<strong>${title}</strong> <span class="muted">${esc(summary)}</span>`,
      series: [{ label: y, color: '#0b5fcc', points: thinCurve(c.x, c.y).map((p) => [p.x, p.y]) }],
      xLabel: 'FPR',
      yLabel: y,
      xDomain: [0, 1],
      yDomain: [0, 1],
      width: 300,
      height: 260,
      testId,
      ...extra,
    });
  return `<section><h2>Curves</h2><div class="row">
${curve('Image ROC', e.roc, 'TPR', `AUROC ${pct(m.imageAuroc)}`, 'report-curve-roc', { diagonal: true })}
${curve('Pixel ROC', e.rocPixel, 'TPR', `AUROC ${pct(m.pixelAuroc)}`, 'report-curve-roc-pixel', { diagonal: true })}
${curve('PRO', e.pro, 'PRO', `${pct(m.proFullRange)} (0–1) · ${pct(m.proMvtec03)} (@0.3)`, 'report-curve-pro', { marker: { x: 0.3, label: '0.3' } })}
</div></section>`;
}

function histogramSection(r: RunReport): string {
  const { scores, labels } = r.evaluation;
  const threshold = r.choices.imageThreshold;
  const hist = scoreHistogram(scores, labels, HISTOGRAM_BINS);
  const conf = confusionAt(scores, labels, threshold);
  const cell = (id: string, v: string) => `<td data-testid="report-${id}">${v}</td>`;
  return `<section><h2>Image scores and the threshold</h2>
<p>Threshold <strong data-testid="report-image-threshold">${fmt(threshold)}</strong>
<span class="muted">(F1-max: ${fmt(r.bestImageThreshold)}); an image is flagged when its score is at or above it.</span></p>
<div class="row">${histogramSvg(hist, threshold)}
<table class="confusion"><tbody>
<tr><th scope="row">TPR</th>${cell('tpr', pct(conf.tpr))}<th scope="row">FPR</th>${cell('fpr', pct(conf.fpr))}</tr>
<tr><th scope="row">TP</th>${cell('tp', String(conf.tp))}<th scope="row">FP</th>${cell('fp', String(conf.fp))}</tr>
<tr><th scope="row">FN</th>${cell('fn', String(conf.fn))}<th scope="row">TN</th>${cell('tn', String(conf.tn))}</tr>
<tr><th scope="row">Precision</th><td colspan="3">${pct(conf.precision)}</td></tr>
</tbody></table></div>
<p class="legend"><span class="swatch bar-normal"></span>normal <span class="swatch bar-anomalous"></span>anomalous</p></section>`;
}

function examples(list: ReportExample[], kind: string, none: string): string {
  if (list.length === 0) return `<p class="muted" data-testid="report-${kind}-none">${none}</p>`;
  return `<div class="examples" data-testid="report-${kind}">${list
    .map(
      (e) =>
        `<figure class="example" data-index="${e.index}"><img src="${e.overlay}" width="192" height="192" alt="${esc(`overlay of ${e.path}`)}"><figcaption><code>${esc(e.path)}</code><br>${esc(e.defectType)}, score ${fmt(e.score)}</figcaption></figure>`,
    )
    .join('')}</div>`;
}

function examplesSection(r: RunReport): string {
  const v = r.choices.view;
  const style = `${v.colormap} colour map at ${Math.round(v.opacity * 100)} % opacity${v.showMask ? ', ground truth outlined in green' : ''}${v.showSeg ? `, segmentation at map ${fmt(r.choices.pixelThreshold)} outlined in white` : ''}`;
  return `<section><h2>Mistakes at the threshold</h2>
<p class="muted small">Overlays as the detail view draws them: ${esc(style)}.</p>
<h3>False positives</h3><p class="muted small">Normal images flagged, highest score first (at most ${r.examplesShown}).</p>
${examples(r.falsePositives, 'false-positives', 'No normal image is flagged.')}
<h3>False negatives</h3><p class="muted small">Defective images missed, lowest score first (at most ${r.examplesShown}).</p>
${examples(r.falseNegatives, 'false-negatives', 'No defective image is missed.')}</section>`;
}

function stepSeries(rows: Record<string, number | null>[], specs: typeof LOSS_SERIES): Series[] {
  return specs.map((s) => ({
    label: s.label,
    color: s.color,
    dashed: s.dashed,
    points: rows.map((row) => [row.step ?? 0, row[s.key] ?? null] as [number, number | null]),
  }));
}

function trainingSection(r: RunReport): string {
  const h = r.history;
  const t = r.times;
  const losses = lineChart({
    title: '<strong>Loss terms</strong> <span class="muted">(unweighted; total is the weighted sum)</span>',
    series: stepSeries(lossRows(h, true), LOSS_SERIES),
    xLabel: 'step',
    yLabel: 'loss',
    logY: true,
    width: 480,
    testId: 'report-loss',
  });
  const grads = h.some((s) => s.gradNorm !== null)
    ? lineChart({
        title: '<strong>Gradient norm of each weighted term</strong>',
        series: stepSeries(gradRows(h, true), GRAD_SERIES),
        xLabel: 'step',
        yLabel: '‖∇‖',
        logY: true,
        width: 480,
        testId: 'report-grad',
      })
    : `<p class="muted">Gradient norms were not measured (${esc(CONFIG_SCHEMA.gradNormEvery.label)} = ${r.config.gradNormEvery}).</p>`;
  const timing = table(
    [
      ['Backend', esc(r.choices.backend)],
      [
        'Training',
        h.length
          ? `${t.steps} steps in this session, ${formatDuration(t.trainMs / 1000)} (${Math.round(t.msPerStep)} ms per step)`
          : 'no steps in this session (imported or resumed model)',
      ],
      [
        'Evaluation',
        `${r.evaluation.scores.length} test images, ${Math.round(r.evaluation.msPerImage)} ms per image`,
      ],
      ['Model step', String(r.evaluation.step)],
    ],
    undefined,
    'report-times',
  );
  return `<section><h2>Training</h2><div class="row">${losses}${grads}</div><h3>Backend and times</h3>${timing}</section>`;
}

function datasetSection(r: RunReport): string {
  const d = r.dataset;
  const types = Object.entries(d.counts.test)
    .map(([k, n]) => `${esc(k)} ${n}`)
    .join(', ');
  return `<section><h2>Dataset</h2>${table([
    ['Category', esc(d.category)],
    ['Layout', esc(d.layout)],
    ['Stored size', `${d.size} × ${d.size} px`],
    ['Training images', String(d.counts.train)],
    ['Test images', `${d.counts.testTotal} (${types})`],
    ['Ground-truth masks', String(d.counts.masks)],
    ['Anomaly textures', d.textures ? String(d.textures) : 'built-in procedural textures'],
    ['Problems found while loading', String(d.problems)],
  ])}</section>`;
}

function configSection(r: RunReport): string {
  const rows = (Object.keys(CONFIG_SCHEMA) as ConfigKey[]).map((k) => [
    esc(CONFIG_SCHEMA[k].label),
    `<code>${esc(String(r.config[k]))}</code>`,
    `<span class="muted">${esc(CONFIG_SCHEMA[k].help)}</span>`,
  ]);
  return `<section><h2>Configuration</h2>${table(rows, ['Option', 'Value', 'Meaning'], 'report-config')}</section>`;
}

/** The report's numbers as JSON, for re-analysis (a data block: browsers never run it). */
function dataScript(r: RunReport): string {
  const { falsePositives, falseNegatives, ...rest } = r;
  const strip = (l: ReportExample[]) => l.map(({ overlay: _, ...e }) => e);
  const data = { ...rest, falsePositives: strip(falsePositives), falseNegatives: strip(falseNegatives) };
  return `<script type="application/json" id="report-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.35rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.4rem 0; } th, td { padding: 0.2rem 0.7rem 0.2rem 0; text-align: left; vertical-align: top; }
thead th { border-bottom: 1px solid #d0d7de; } .muted { color: #57606a; } .small { font-size: 0.85rem; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 0.9rem; margin-bottom: 0.2rem; }
svg text { font: 11px system-ui, sans-serif; fill: #444; } .grid { stroke: #e3e6ea; } .frame { fill: none; stroke: #aab; }
.diagonal { stroke: #aab; stroke-dasharray: 4 4; } .marker { stroke: #b00020; stroke-dasharray: 4 3; }
.threshold { stroke: #b00020; stroke-width: 2; }
.bar-normal { fill: #4c8bf5; background: #4c8bf5; } .bar-anomalous { fill: #e8590c; background: #e8590c; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin: 0 0.25em 0 0.6em; vertical-align: -0.05em; }
.legend { font-size: 0.85rem; margin: 0.2rem 0; }
.examples { display: flex; flex-wrap: wrap; gap: 0.8rem; } .example { width: 192px; font-size: 0.8rem; }
.example img { display: block; image-rendering: pixelated; } code { font-size: 0.85em; } .example code { word-break: break-all; }
`;
