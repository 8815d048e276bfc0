import * as tf from '@tensorflow/tfjs';
import { trainedModel, type TrainConfig, type TrainedModel } from '../config';
import type { Teacher } from '../backbones/teacher';
import type { RgbImage } from '../data/image';
import { buildBank } from '../model/build-banks';
import { createNetwork, reconstruct, type Banks, type Levels, type Network } from '../model/dmgrd';
import { withTransientFilters } from '../nn/conv';
import { EVAL, type Mode } from '../nn/params';
import { disposeMemoryBank, type MemoryBank } from '../model/memory-bank';
import { synthesizeAnomaly, type SynthResult } from '../synth/anomaly';
import { Rng } from '../synth/rng';
import { proceduralTexture } from '../synth/textures';
import { ReferenceSampler } from '../train/sampler';
import { Trainer, type StepReport } from '../train/trainer';
import { toBatch, toRgb, type DatasetImages } from './dataset';
import { bankFromArrays, restoreTraining, type DecodedSession } from './checkpoint';
import { evaluateTestSet, type EvaluateOptions, type Evaluation, type Progress } from './evaluate';
import type { SessionSurface } from './model-session';
import { disposeScores, scoreImages } from './score';

/**
 * A distillation model (DM-GRD or RD) on one dataset: builds the network and the two memory banks,
 * trains, evaluates. The worker, the Node tests and the benchmark all drive training through this
 * class, so there is one training pipeline. Tensors never leave it: results are typed arrays.
 */
export class Session implements SessionSurface {
  readonly rng: Rng;
  readonly trainer: Trainer;
  private readonly sampler: ReferenceSampler;

  private constructor(
    readonly teacher: Teacher,
    readonly data: DatasetImages,
    readonly config: TrainConfig,
    readonly net: Network,
    readonly banks: Banks | null,
    rng: Rng,
  ) {
    this.rng = rng;
    this.trainer = new Trainer(net, teacher, banks, config, rng.fork());
    this.sampler = new ReferenceSampler(data.train.length, rng.fork());
  }

  get kind(): TrainedModel {
    return this.net.kind;
  }

  get stepsDone(): number {
    return this.trainer.step;
  }

  get totalSteps(): number {
    return this.config.steps;
  }

  get parameters(): number {
    return this.net.store.count();
  }

  get notes(): readonly string[] {
    return this.trainer.notes;
  }

  get memorySources(): { normal: number[]; abnormal: number[] } | null {
    return this.banks ? { normal: this.banks.normal.sources, abnormal: this.banks.abnormal.sources } : null;
  }

  /** Creates the network and (DM-GRD) builds both memory banks from L random training images. */
  static async create(
    teacher: Teacher,
    data: DatasetImages,
    config: TrainConfig,
    opts: {
      onProgress?: Progress;
      signal?: AbortSignal;
      /** Called once the network exists, before the memory banks; throwing ends the creation. */
      checkNetwork?: (net: Network) => void;
    } = {},
  ): Promise<Session> {
    if (data.train.length === 0) throw new Error('No training images: the dataset needs train/good images.');
    if (config.teacher !== teacher.name)
      throw new Error(`Config asks for ${config.teacher} but ${teacher.name} is loaded.`);
    const rng = new Rng(config.seed);
    const net = createNetwork(trainedModel(config), config.teacher, teacher.channels, config.seed);
    let banks: Banks | null = null;
    try {
      opts.checkNetwork?.(net);
      if (config.model === 'dmgrd') banks = await buildBanks(teacher, data, config, rng.fork(), opts);
    } catch (e) {
      net.store.dispose();
      throw e;
    }
    return new Session(teacher, data, config, net, banks, rng);
  }

  /**
   * A session from a checkpoint (see checkpoint.ts) made with `teacher` (restoreSession checks it):
   * same network, its memory banks as saved (so scores are identical without rebuilding them),
   * weights, statistics and optimiser state.
   */
  static fromCheckpoint(teacher: Teacher, data: DatasetImages, decoded: DecodedSession): Session {
    const { meta, arrays } = decoded;
    const config = meta.config;
    const net = createNetwork(trainedModel(config), config.teacher, teacher.channels, config.seed);
    let banks: Banks | null = null;
    try {
      if (config.model === 'dmgrd') {
        if (!meta.banks) throw new Error('The DM-GRD checkpoint has no memory banks.');
        banks = {
          normal: bankFromArrays('memory.normal', arrays, meta.banks.normal),
          abnormal: bankFromArrays('memory.abnormal', arrays, meta.banks.abnormal),
        };
      }
      const session = new Session(teacher, data, config, net, banks, new Rng(config.seed + meta.step));
      restoreTraining(session, decoded);
      return session;
    } catch (e) {
      net.store.dispose();
      if (banks) {
        disposeMemoryBank(banks.normal);
        disposeMemoryBank(banks.abnormal);
      }
      throw e;
    }
  }

  /** A synthetic anomaly of a training image (the sampler's and the gallery's recipe). */
  synthesize(image: RgbImage, rng: Rng = this.rng): SynthResult {
    return synthesizeWith(this.data, this.config, image, rng);
  }

  /**
   * One optimiser step on the next reference batch. The last step (config.steps) also sets the
   * final BatchNorm statistics when `statsBatches` asks for them, and its time includes theirs.
   */
  async step(): Promise<StepReport> {
    const x = this.batch(this.sampler, this.rng);
    let report: StepReport;
    try {
      report = await this.trainer.trainStep(x);
    } finally {
      x.dispose();
    }
    if (report.step !== this.config.steps || this.config.statsBatches === 0) return report;
    const t0 = performance.now();
    await this.averageStatistics(this.config.statsBatches);
    return { ...report, ms: report.ms + performance.now() - t0 };
  }

  /**
   * Sets every BatchNorm's running mean and variance to the equal-weight average of the batch
   * statistics of `batches` training batches (forward passes in training mode, no weight changes).
   * The batches are drawn as training draws them, about half synthetic anomalies, by a sampler and
   * generator of their own, so the training stream (and a resumed run) is untouched.
   * `synthetic: false` (the default with `statsClean`) leaves every drawn image clean.
   */
  async averageStatistics(batches: number, { synthetic = !this.config.statsClean } = {}): Promise<void> {
    const rng = new Rng(this.config.seed + this.trainer.step);
    const sampler = new ReferenceSampler(this.data.train.length, rng.fork());
    const stats = this.net.store.entries().filter(([name]) => /running_(mean|var)$/.test(name));
    const before = stats.map(([, v]) => tf.clone(v));
    for (let k = 0; k < batches; k++) {
      const x = this.batch(sampler, rng, synthetic);
      const feats = tf.tidy(() => this.teacher.features(x)) as Levels;
      x.dispose();
      const mode: Mode = { training: true, updateStats: true, statsMomentum: 1 / (k + 1) };
      // As in a training step: no packed copy of the trained weights is left in the WASM heap.
      const done = await withTransientFilters(async () =>
        tf.tidy(() => {
          const { student } = reconstruct(this.net, this.banks, feats, {
            paperSelect: this.config.paperSelect,
            mode,
          });
          return tf.sum(student[0]);
        }),
      );
      tf.dispose(feats);
      // One read per batch keeps a GPU backend's queue short and lets the worker answer between batches.
      await done.data();
      done.dispose();
    }
    // Statistics that came out NaN would turn every map into NaN: the running averages stay instead.
    const nan = tf.tidy(() => tf.addN(stats.map(([, v]) => tf.sum(tf.cast(tf.isNaN(v), 'float32')))));
    const bad = (await nan.data())[0] > 0;
    nan.dispose();
    if (bad) {
      stats.forEach(([, v], i) => v.assign(before[i]));
      this.trainer.notes.push(
        'The final BatchNorm statistics came out NaN: the running averages of the last steps are kept.',
      );
    }
    tf.dispose(before);
  }

  /** The next batch of `sampler`, synthetic anomalies made with `rng` unless `synthesize` is false: [B,S,S,3]. */
  private batch(sampler: ReferenceSampler, rng: Rng, synthesize = true): tf.Tensor4D {
    const images = sampler.next(this.config.batchSize).map(({ index, synthetic }) => {
      const img = toRgb(this.data.train[index], this.data.size);
      return synthetic && synthesize ? this.synthesize(img, rng).image : img;
    });
    return toBatch(images, this.config.imageSize);
  }

  /** Scores every test image with the current weights (eval mode) and computes all metrics. */
  evaluate(opts: EvaluateOptions & { mode?: Mode } = {}): Promise<Evaluation> {
    return evaluateTestSet(this.data, this.config.imageSize, (images) => this.score(images, opts.mode), opts);
  }

  /** Anomaly maps and image scores of a few images (eval mode unless `mode` says otherwise). */
  async score(
    images: RgbImage[],
    mode: Mode = EVAL,
  ): Promise<{ maps: Float32Array; scores: Float32Array; selected: Int32Array | null }> {
    const x = toBatch(images, this.config.imageSize);
    const r = scoreImages(this, x, this.config, mode);
    x.dispose();
    try {
      const [maps, scores, sel] = await Promise.all([r.maps.data(), r.scores.data(), r.selected?.data()]);
      return {
        maps: maps as Float32Array,
        scores: scores as Float32Array,
        selected: sel ? Int32Array.from(sel) : null,
      };
    } finally {
      disposeScores(r);
    }
  }

  dispose(): void {
    this.trainer.dispose();
    this.net.store.dispose();
    if (this.banks) {
      disposeMemoryBank(this.banks.normal);
      disposeMemoryBank(this.banks.abnormal);
    }
  }
}

function synthesizeWith(data: DatasetImages, config: TrainConfig, image: RgbImage, rng: Rng): SynthResult {
  const texture = data.textures.length
    ? data.textures[rng.int(0, data.textures.length)]
    : proceduralTexture(image.height, image.width, rng);
  return synthesizeAnomaly(image, texture, rng, {
    paperLambda: config.paperLambda,
    paperBeta: config.paperBeta,
  });
}

/**
 * The reference's `MemoryBank.update`: each bank shuffles the training set on its own and keeps the
 * first L images, clean for the normal bank and as synthetic anomalies for the abnormal one.
 */
async function buildBanks(
  teacher: Teacher,
  data: DatasetImages,
  config: TrainConfig,
  rng: Rng,
  opts: { onProgress?: Progress; signal?: AbortSignal },
): Promise<Banks> {
  const l = Math.min(config.memoryItems, data.train.length);
  if (l < 3)
    throw new Error(`The memory banks need at least 3 training images (found ${data.train.length}).`);
  const all = [...Array(data.train.length).keys()];
  const normalIdx = rng.shuffle([...all]).slice(0, l);
  const abnormalIdx = rng.shuffle([...all]).slice(0, l);
  const s = config.imageSize;
  const normal: MemoryBank = await buildBank(
    teacher,
    l,
    (i) => toBatch([toRgb(data.train[normalIdx[i]], data.size)], s),
    normalIdx,
    {
      signal: opts.signal,
      onProgress: (d, t) => opts.onProgress?.(d, 2 * t, 'Building the normal memory bank'),
    },
  );
  try {
    const abnormal = await buildBank(
      teacher,
      l,
      (i) =>
        toBatch([synthesizeWith(data, config, toRgb(data.train[abnormalIdx[i]], data.size), rng).image], s),
      abnormalIdx,
      {
        signal: opts.signal,
        onProgress: (d, t) => opts.onProgress?.(t + d, 2 * t, 'Building the abnormal memory bank'),
      },
    );
    return { normal, abnormal };
  } catch (e) {
    disposeMemoryBank(normal);
    throw e;
  }
}
