// The exports that leave the playground as files: its own checkpoint, the model for the authors'
// PyTorch code, the run report, and the scoring package for web pages. Each has a plan (its files,
// contents and sizes, shown before anything is written) and a cancellable writer.
import {
  checkpointFileName,
  planOf,
  safeName,
  type ExportKind,
  type ExportPlan,
} from '../../src/core/export/plan';
import {
  pytorchPlan,
  writePytorchBundle,
  type PytorchBundleInput,
} from '../../src/core/export/pytorch-bundle';
import { checkpointLayout, encodeSession, layoutSize } from '../../src/core/pipeline/checkpoint';
import type { ModelSession } from '../../src/core/pipeline/model-session';
import type { Session } from '../../src/core/pipeline/session';
import { renderReport } from '../../src/report/html';
import type { ResultsChoices } from '../../src/report/types';
import type { ExportChoices, SessionCommands } from '../session-api';
import { EXPORTING } from './recovery-guard';
import { guarded, settledSession } from './recovery';
import { collectReport, REPORT_EXAMPLES } from './run-report';
import { webPackage, webPlan, writeWebPackage } from './web-export';
import type { SessionContext, SessionState } from './state';

type FileExportCommands = Pick<SessionCommands, 'exportPlan' | 'exportFile'>;

type Progress = (done: number, total: number) => Promise<void>;

interface Exporter {
  plan(session: ModelSession, choices: ExportChoices): Promise<ExportPlan>;
  /** What the progress bar says while it writes. */
  activity: string;
  write(session: ModelSession, choices: ExportChoices, progress: Progress): Promise<Blob>;
}

const fileBase = (state: SessionState, s: ModelSession): string =>
  `${safeName(state.summary?.category ?? 'dataset')}-${s.config.model}-${s.config.teacher}-step${s.stepsDone}`;

/** What a downloaded checkpoint carries besides the model: the run's dataset and latest metrics. */
export const checkpointExtra = (state: SessionState): Record<string, unknown> => ({
  dataset: state.run?.dataset,
  metrics: state.run?.metrics,
});

function checkpointExporter(state: SessionState): Exporter {
  const fileName = (s: ModelSession): string =>
    checkpointFileName(s.config.model, state.summary?.category ?? 'dataset', s.config.teacher, s.stepsDone);
  return {
    activity: 'Writing the checkpoint',
    async plan(s) {
      const layout = checkpointLayout(s, checkpointExtra(state));
      const tensors = layout.parts.flatMap((p) => p.arrays);
      const dataBytes = tensors.reduce((n, a) => n + 4 * a.tensor.size, 0);
      // Exact: the header's size follows from the tensors' names and shapes and the metadata.
      return planOf('checkpoint', fileName(s), [
        ...layout.parts.map((p) => ({
          path: p.path,
          bytes: p.arrays.reduce((n, a) => n + 4 * a.tensor.size, 0),
          approximate: false,
          what: p.what,
        })),
        {
          path: '__metadata__',
          bytes: layoutSize(layout) - dataBytes,
          approximate: false,
          what: `the configuration, step ${layout.meta.step}, teacher channels, dataset and latest metrics, and the index of the ${tensors.length} tensors`,
        },
      ]);
    },
    async write(s, _choices, progress) {
      const bytes = await encodeSession(s, checkpointExtra(state), { onProgress: progress });
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
    },
  };
}

function pytorchExporter(state: SessionState): Exporter {
  const input = (session: ModelSession): PytorchBundleInput => {
    if (session.kind === 'patchcore')
      throw new Error(
        'PatchCore has no network for the authors’ PyTorch code: its checkpoint (Download checkpoint) holds its memory.',
      );
    return {
      session,
      category: state.summary?.category ?? 'dataset',
      trainPaths: state.data?.train.map((t) => t.path) ?? [],
    };
  };
  return {
    activity: 'Writing the PyTorch checkpoint and memory banks',
    plan: async (s) => pytorchPlan(input(s)),
    async write(s, _choices, progress) {
      const parts = await writePytorchBundle(input(s), progress);
      return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
    },
  };
}

function reportExporter(state: SessionState): Exporter {
  const sources = (choices: ExportChoices) => {
    const { evaluation, data, summary } = state;
    if (!evaluation || !data || !summary)
      throw new Error('Evaluate the model first: the report shows its results.');
    if (!choices.results)
      throw new Error('The report needs the Results tab’s threshold and overlay choices.');
    return { evaluation, data, summary, choices: choices.results };
  };
  return {
    activity: 'Writing the run report',
    async plan(s, choices) {
      const { evaluation, choices: c } = sources(choices);
      const wrong = countMistakes(evaluation.scores, evaluation.labels, c);
      // Overlay PNGs as base64 run at about 2 bytes per pixel; curves, tables and JSON about 100 kB.
      const bytes = wrong * 2 * evaluation.size ** 2 + 100_000 + 200 * (state.run?.history.length ?? 0);
      return planOf('report', `${fileBase(state, s)}-report.html`, [
        {
          path: `${fileBase(state, s)}-report.html`,
          bytes,
          approximate: true,
          what: `one self-contained HTML page: config, dataset, loss and gradient-norm curves, metrics per defect type, ROC and PRO curves, the score histogram at threshold ${c.imageThreshold.toFixed(4)}, ${wrong} mispredicted images with overlays, backend and times`,
        },
      ]);
    },
    async write(s, choices, progress) {
      const src = sources(choices);
      const report = await collectReport({ session: s, run: state.run, progress, ...src });
      return new Blob([renderReport(report)], { type: 'text/html' });
    },
  };
}

function webExporter(state: SessionState): Exporter {
  const distillation = (s: ModelSession): Session => {
    if (s.kind === 'patchcore')
      throw new Error(
        'the web package scores DM-GRD and RD models; PatchCore is not packaged for the web yet',
      );
    return s;
  };
  return {
    activity: 'Writing the web package',
    plan: async (s, choices) =>
      webPlan(await webPackage(state, distillation(s), choices, fileBase(state, s))),
    async write(s, choices, progress) {
      const pkg = await webPackage(state, distillation(s), choices, fileBase(state, s));
      const parts = await writeWebPackage(pkg, progress);
      return new Blob(parts as Uint8Array<ArrayBuffer>[], { type: 'application/zip' });
    },
  };
}

/** False positives and false negatives the report shows at the threshold (each capped). */
function countMistakes(scores: Float32Array, labels: Uint8Array, c: ResultsChoices): number {
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    if (labels[i] === 0 && s >= c.imageThreshold) fp++;
    if (labels[i] === 1 && s < c.imageThreshold) fn++;
  });
  return Math.min(fp, REPORT_EXAMPLES) + Math.min(fn, REPORT_EXAMPLES);
}

export function fileExportCommands(ctx: SessionContext): FileExportCommands {
  const { state, tasks } = ctx;
  const exporters: Record<ExportKind, Exporter> = {
    checkpoint: checkpointExporter(state),
    pytorch: pytorchExporter(state),
    report: reportExporter(state),
    web: webExporter(state),
  };
  return {
    async exportPlan(kind, choices = {}) {
      return exporters[kind].plan(await settledSession(ctx), choices);
    },

    async exportFile(kind, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const exporter = exporters[kind];
        const progress = async (done: number, total: number) => {
          task.progress(done, total, exporter.activity);
          await task.checkpoint();
        };
        // Reads the model off the device: after a lost GPU it restores the last checkpoint first.
        return guarded(ctx, EXPORTING, async (s) => {
          const { fileName } = await exporter.plan(s, opts);
          return { fileName, blob: await exporter.write(s, opts, progress) };
        });
      });
    },
  };
}
