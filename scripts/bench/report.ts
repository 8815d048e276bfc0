// The benchmark report: its JSON shape, and the table printed at the end of a run.
import type { TrainConfig } from '../../src/core/config';
import type { WrittenExport } from './exports';
import type {
  BackendInfo,
  CurvePoints,
  DatasetSummary,
  MetricsSummary,
  Problem,
  SessionInfo,
  StepReport,
  TypeMetrics,
} from '../../workers/engine-api';
import type { BudgetPlan } from './budget';
import type { PaperRow } from './paper';

/** 2: `perType` added, `paper` the dataset's own category row or null; 3: `budget` added. */
export const REPORT_FORMAT = 'dmgrd-bench/3';

export interface ImageResult {
  path: string;
  defectType: string;
  label: number;
  score: number;
  /** Normal-bank slot the model selected (-1 for RD). */
  selected: number;
}

export interface MemorySample {
  /** ms since training started (negative: before). */
  t: number;
  numBytes: number;
  numBytesInGPU: number | null;
  numTensors: number;
}

export interface BenchReport {
  format: typeof REPORT_FORMAT;
  startedAt: string;
  finishedAt: string;
  /** HEAD and whether the tree had uncommitted changes, when the run started. */
  git: { commit: string | null; dirty: boolean | null };
  /** The runner flags that produced it (as parsed). */
  runner: {
    data: string;
    textures: string | null;
    backendRequested: string;
    maxTrain: number | null;
    maxTestPerType: number | null;
    storedSize: number;
    /** Bundle folder that was served. */
    dist: string;
    /** When that bundle was built (it holds the working tree of that moment, not necessarily `git.commit`). */
    distBuiltAt: string;
    /** The torchvision teacher weights given with --teacher-weights, if any. */
    teacherWeights?: string | null;
  };
  host: {
    platform: string;
    cpus: number;
    cpuModel: string;
    totalMemBytes: number;
    /** 1-minute load average before and after: other processes on the machine show here. */
    loadAvgStart: number;
    loadAvgEnd: number;
    node: string;
    browser: string;
  };
  config: TrainConfig;
  backend: BackendInfo;
  dataset: {
    category: string;
    counts: DatasetSummary['counts'];
    problems: Problem[];
    textures: number;
  };
  session: SessionInfo;
  timings: {
    buildMs: number;
    startMs: number;
    loadMs: number;
    createSessionMs: number;
    trainMs: number;
    steps: number;
    /** Mean of StepReport.ms over all steps, and over all but the first (which includes kernel warm-up). */
    msPerStep: number;
    msPerStepWarm: number;
    stepsPerSecond: number;
    evaluateMs: number;
    msPerImage: number;
    totalMs: number;
  };
  memory: {
    /** Largest polled tf.memory() values in the worker (polled, so a short peak inside a step can be missed). */
    peakBytes: number;
    peakBytesInGPU: number | null;
    peakTensors: number;
    samples: MemorySample[];
  };
  metrics: MetricsSummary;
  /** Each defect type against the normal test images. */
  perType: Record<string, TypeMetrics>;
  curves: { roc: CurvePoints; rocPixel: CurvePoints; pro: CurvePoints };
  images: ImageResult[];
  history: StepReport[];
  /** How `--minutes` set the step count; null for a run of `--steps` (or a model that is fitted, not trained). */
  budget: BudgetPlan | null;
  /** The paper's published row for this dataset's category; null where the paper has none. */
  paper: PaperRow | null;
  /** Files written by --export (empty without it). */
  exports: WrittenExport[];
}

/** What the printed table reads of a report. */
export type TableInput = Pick<
  BenchReport,
  'config' | 'metrics' | 'perType' | 'paper' | 'timings' | 'memory' | 'budget'
> & {
  backend: Pick<BackendInfo, 'backend'>;
};

/** metric, this run, paper. */
type Row = [string, string, string];

const pct = (v: number | undefined): string => (v === undefined ? '' : (v * 100).toFixed(2));
const mib = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);

/**
 * The table printed at the end of a run: this run, each defect type's AUROCs and PRO@0.3, and beside
 * them the paper's row for the category when the paper has one.
 */
export function formatTable(r: TableInput): string {
  const m = r.metrics;
  const c = r.config;
  const p = r.paper;
  // PatchCore is fitted in one pass, not trained in steps of equal cost: its time is the whole fit.
  const fitted = c.model === 'patchcore';
  const types = Object.entries(r.perType).flatMap(([type, t]): Row[] => [
    [`  ${type} (${t.images}): I-AUROC %`, pct(t.imageAuroc), ''],
    [`  ${type}: P-AUROC %`, pct(t.pixelAuroc), ''],
    [`  ${type}: PRO@0.3 %`, pct(t.proMvtec03), ''],
  ]);
  const rows: Row[] = [
    ['I-AUROC %', pct(m.imageAuroc), pct(p?.imageAuroc)],
    ['P-AUROC %', pct(m.pixelAuroc), pct(p?.pixelAuroc)],
    ['PRO % (FPR 0-1, reference)', pct(m.proFullRange), pct(p?.proFullRange)],
    ['PRO@0.3 % (MVTec)', pct(m.proMvtec03), ''],
    ...(types.length ? [['per defect type, against the good images', '', ''] satisfies Row] : []),
    ...types,
    ['F1-max image %', pct(m.f1Image.f1), ''],
    ['F1-max pixel %', pct(m.f1Pixel.f1), ''],
    fitted
      ? ['fit s (embedding, then coreset)', (r.timings.trainMs / 1000).toFixed(1), '']
      : ['train ms / step', r.timings.msPerStepWarm.toFixed(0), ''],
    ['inference ms / image', r.timings.msPerImage.toFixed(1), ''],
    ['peak worker memory', mib(r.memory.peakBytes), ''],
    ['peak GPU memory', mib(r.memory.peakBytesInGPU), ''],
  ];
  const b = r.budget;
  const budget = b
    ? ` (${b.minutes} min budget at ${(b.probeMsPerStep / 1000).toFixed(2)} s/step, probed)`
    : '';
  const schedule = fitted
    ? `coreset ${100 * c.coresetFraction} % / ${r.timings.steps} fit steps`
    : `batch ${c.batchSize} / ${r.timings.steps} steps${budget}`;
  const title = `${c.model} / ${c.teacher} / ${c.imageSize}px / ${schedule} / ${r.backend.backend}`;
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(10, ...rows.map((x) => x[1].length));
  const paperHead = p ? `paper ${p.category} (WRN50)` : '';
  const w2 = paperHead.length;
  const line = (a: string, b: string, q: string): string =>
    `${a.padEnd(w0)}  ${b.padStart(w1)}${p ? `  ${q.padStart(w2)}` : ''}`;
  const head = line('metric', 'this run', paperHead);
  return [title, head, '-'.repeat(head.length), ...rows.map(([a, b, q]) => line(a, b, q))].join('\n');
}
