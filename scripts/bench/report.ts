// The benchmark report: its JSON shape, and the table printed at the end of a run.
import type { TrainConfig } from '../../src/core/config';
import type {
  BackendInfo,
  CurvePoints,
  DatasetSummary,
  MetricsSummary,
  Problem,
  SessionInfo,
  StepReport,
} from '../../workers/engine-api';

export const REPORT_FORMAT = 'dmgrd-bench/1';

/** DM-GRD's published row for MVTec bottle (WideResNet50 teacher; PRO integrated over FPR 0..1 as the reference code does). */
export const PAPER_BOTTLE = {
  source: 'DM-GRD (ACCV 2024), Table: MVTec AD bottle, WideResNet50 teacher',
  imageAuroc: 1.0,
  pixelAuroc: 0.9884,
  proFullRange: 0.9897,
} as const;

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
  curves: { roc: CurvePoints; rocPixel: CurvePoints; pro: CurvePoints };
  images: ImageResult[];
  history: StepReport[];
  paper: typeof PAPER_BOTTLE;
}

const pct = (v: number | undefined): string => (v === undefined ? '' : (v * 100).toFixed(2));
const mib = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** The table printed at the end of a run: this run beside the paper's bottle row. */
export function formatTable(r: BenchReport): string {
  const m = r.metrics;
  const c = r.config;
  const rows: [string, string, string][] = [
    ['I-AUROC %', pct(m.imageAuroc), pct(PAPER_BOTTLE.imageAuroc)],
    ['P-AUROC %', pct(m.pixelAuroc), pct(PAPER_BOTTLE.pixelAuroc)],
    ['PRO % (FPR 0-1, reference)', pct(m.proFullRange), pct(PAPER_BOTTLE.proFullRange)],
    ['PRO@0.3 % (MVTec)', pct(m.proMvtec03), ''],
    ['F1-max image %', pct(m.f1Image.f1), ''],
    ['F1-max pixel %', pct(m.f1Pixel.f1), ''],
    ['train ms / step', r.timings.msPerStepWarm.toFixed(0), ''],
    ['inference ms / image', r.timings.msPerImage.toFixed(1), ''],
    ['peak worker memory', mib(r.memory.peakBytes), ''],
    ['peak GPU memory', mib(r.memory.peakBytesInGPU), ''],
  ];
  const title = `${c.model} / ${c.teacher} / ${c.imageSize}px / batch ${c.batchSize} / ${r.timings.steps} steps / ${r.backend.backend}`;
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(10, ...rows.map((x) => x[1].length));
  const head = `${'metric'.padEnd(w0)}  ${'this run'.padStart(w1)}  ${'paper (WRN50)'.padStart(13)}`;
  const lines = rows.map(([a, b, p]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${p.padStart(13)}`);
  return [title, head, '-'.repeat(head.length), ...lines].join('\n');
}
