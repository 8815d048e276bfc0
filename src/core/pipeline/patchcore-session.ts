import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../backbones/teacher';
import type { TrainConfig } from '../config';
import type { RgbImage } from '../data/image';
import { projectionShape } from '../patchcore/features';
import { MEMORY_ARRAY, PatchCore, type FitProgress, type PatchCoreOptions } from '../patchcore/model';
import { CheckpointError } from '../train/checkpoint';
import type { DecodedSession } from './checkpoint';
import { toBatch, toRgb, type DatasetImages } from './dataset';
import { evaluateTestSet, type EvaluateOptions, type Evaluation } from './evaluate';
import type { SessionSurface } from './model-session';

const optionsOf = (config: TrainConfig): PatchCoreOptions => ({
  imageSize: config.imageSize,
  coresetFraction: config.coresetFraction,
  projectionDim: config.projectionDim,
  seed: config.seed,
});

/**
 * PatchCore on one dataset: fits its memory from the training images step by step (fitStep), then
 * scores and evaluates like any session. Nothing is trained, so there are no parameters and no
 * optimiser state; the checkpoint holds the memory (checkpoint.ts).
 */
export class PatchCoreSession implements SessionSurface {
  readonly kind = 'patchcore' as const;
  readonly parameters = 0;
  readonly memorySources = null;

  private constructor(
    readonly teacher: Teacher,
    readonly data: DatasetImages,
    readonly config: TrainConfig,
    readonly model: PatchCore,
  ) {}

  /** An unfitted memory over the dataset's training images. */
  static create(teacher: Teacher, data: DatasetImages, config: TrainConfig): PatchCoreSession {
    if (data.train.length === 0) throw new Error('No training images: the dataset needs train/good images.');
    if (config.teacher !== teacher.name)
      throw new Error(`Config asks for ${config.teacher} but ${teacher.name} is loaded.`);
    return new PatchCoreSession(
      teacher,
      data,
      config,
      PatchCore.create(teacher, data.train.length, optionsOf(config)),
    );
  }

  /**
   * The memory a checkpoint holds, made with `teacher` (restoreSession checks it); a checkpoint of
   * an unfinished fit holds none, and its fit starts again on `data`.
   */
  static fromCheckpoint(teacher: Teacher, data: DatasetImages, decoded: DecodedSession): PatchCoreSession {
    const { meta, arrays } = decoded;
    if (!arrays.has(MEMORY_ARRAY)) return PatchCoreSession.create(teacher, data, meta.config);
    if (!meta.patchcore)
      throw new CheckpointError(
        'The PatchCore checkpoint does not say how many training images its memory holds: the file is damaged.',
      );
    const { trainImages, coveringRadius } = meta.patchcore;
    const model = PatchCore.fromArrays(teacher, trainImages, optionsOf(meta.config), arrays, coveringRadius);
    return new PatchCoreSession(teacher, data, meta.config, model);
  }

  get stepsDone(): number {
    return this.model.stepsDone;
  }

  get totalSteps(): number {
    return this.model.totalSteps;
  }

  get fitted(): boolean {
    return this.model.fitted;
  }

  get notes(): readonly string[] {
    const { patches, dim, memory } = this.model.shape;
    const out: string[] = [];
    const projection = projectionShape(this.teacher.channels, this.config.projectionDim);
    if (projection)
      out.push(
        `Patch features are projected from ${projection[0]} to ${projection[1]} values by a fixed random matrix.`,
      );
    const share = (n: number): string => `${((100 * n) / patches).toPrecision(2)} %`;
    if (!this.model.fitted)
      out.push(
        `The fit embeds ${this.model.images} training images (${patches} patches), then keeps ${memory} of them (${share(memory)}) by greedy coreset selection.`,
      );
    else {
      const radius = this.model.coveringRadius;
      out.push(
        `Memory: ${this.model.memorySize} patches of ${dim} values, ${share(this.model.memorySize)} of ${patches} training patches` +
          (radius === null
            ? '.'
            : `; every training patch lies within ${radius.toPrecision(4)} of one of them.`),
      );
    }
    return out;
  }

  /** One step of the fit: a batch of training images embedded, or a slice of coreset centres. */
  fitStep(): Promise<FitProgress> {
    const { data, config } = this;
    return this.model.fitStep((start, end) =>
      toBatch(
        data.train.slice(start, end).map((t) => toRgb(t, data.size)),
        config.imageSize,
      ),
    );
  }

  evaluate(opts: EvaluateOptions = {}): Promise<Evaluation> {
    return evaluateTestSet(this.data, this.config.imageSize, (images) => this.score(images), opts);
  }

  /** Anomaly maps (nearest-memory distance per patch, resized and blurred) and image scores. */
  async score(
    images: RgbImage[],
  ): Promise<{ maps: Float32Array; scores: Float32Array; selected: Int32Array | null }> {
    const x = toBatch(images, this.config.imageSize);
    let r: { maps: tf.Tensor3D; scores: tf.Tensor1D };
    try {
      r = this.model.score(x);
    } finally {
      x.dispose();
    }
    try {
      const [maps, scores] = await Promise.all([r.maps.data(), r.scores.data()]);
      return { maps: maps as Float32Array, scores: scores as Float32Array, selected: null };
    } finally {
      tf.dispose([r.maps, r.scores]);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
