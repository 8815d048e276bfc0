// What a run report shows, as plain data: collected in the engine worker from the run, the
// evaluation and the choices made in the Results tab, then rendered by html.ts.
import type { TrainConfig } from '../core/config';
import type { DatasetCounts } from '../core/data/layout';
import type { StepReport } from '../core/train/trainer';
import type { CurvePoints, MetricsSummary } from '../../workers/session-api';
import type { OverlayView } from '../state/results-store';

/** The Results tab's choices the exports follow: its thresholds and overlay style, and the backend. */
export interface ResultsChoices {
  /** Image-score threshold (the histogram's). */
  imageThreshold: number;
  /** Map threshold of the segmentation contour. */
  pixelThreshold: number;
  view: OverlayView;
  /** How the engine runs, in words (backend, adapter or threads), for the report. */
  backend: string;
}

/** One defect type against the normal test images. */
export interface TypeRow {
  defectType: string;
  count: number;
  /** Image AUROC, pixel AUROC and PRO of the normal images plus this type (TypeMetrics); NaN where undefined. */
  imageAuroc: number;
  pixelAuroc: number;
  proFullRange: number;
  proMvtec03: number;
  meanScore: number;
  /** Images of this type at or above the threshold. */
  flagged: number;
}

/** A test image the threshold gets wrong, with its overlay as the detail view draws it. */
export interface ReportExample {
  index: number;
  path: string;
  defectType: string;
  score: number;
  /** PNG data URL of the overlay. */
  overlay: string;
}

export interface RunReport {
  createdAt: string;
  config: TrainConfig;
  dataset: {
    category: string;
    layout: string;
    size: number;
    counts: DatasetCounts;
    textures: number;
    problems: number;
  };
  history: StepReport[];
  evaluation: {
    step: number;
    metrics: MetricsSummary;
    roc: CurvePoints;
    rocPixel: CurvePoints;
    pro: CurvePoints;
    scores: number[];
    labels: number[];
    msPerImage: number;
  };
  perType: TypeRow[];
  choices: ResultsChoices;
  /** F1-max image threshold (the histogram's reset value). */
  bestImageThreshold: number;
  falsePositives: ReportExample[];
  falseNegatives: ReportExample[];
  /** How many examples of each kind the report shows at most. */
  examplesShown: number;
  times: { trainMs: number; steps: number; msPerStep: number };
}
