import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../backbones/teacher';
import { withFilterCache } from '../kernels/filter-cache';
import { gaussianBlur, resizeMaps } from '../scoring/anomaly-map';
import { Rng } from '../synth/rng';
import { GreedyCoreset } from './coreset';
import { FitClock } from './fit-clock';
import { patchDimension, patchFeatures, projectionShape, randomProjection } from './features';
import { nearestDistances, prepareMemory, type SearchMemory } from './nearest';

/**
 * PatchCore (Roth et al. 2022) on the frozen teacher: a memory of locally aggregated stride-8/16
 * patch features of the training images, subsampled by a greedy coreset; a test patch's anomaly
 * score is its distance to the nearest memory patch, an image's the largest of its patch scores.
 * Nothing is trained: the fit embeds the training images, then selects the coreset, in small steps
 * so that the caller can report progress and stop between them.
 */

export interface PatchCoreOptions {
  imageSize: number;
  /** Share of all training patches kept in the memory. */
  coresetFraction: number;
  /** Width of the fixed random projection (0, or not narrower than the features: none). */
  projectionDim: number;
  seed: number;
}

export type FitPhase = 'features' | 'coreset' | 'done';

export interface FitProgress {
  phase: FitPhase;
  /** Images embedded plus coreset centres chosen, out of `total`. */
  done: number;
  total: number;
  /** Covering radius of the centres chosen so far (null before the coreset starts). */
  radius: number | null;
  /** Estimated time to the end of the fit, from the speed measured so far. */
  etaMs: number;
}

/** The checkpoint arrays of a fitted memory (read back: any dtype a file can hold). */
export type PatchCoreArrays = Map<string, { shape: number[]; data: Float32Array }>;
type StoredArrays = Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

export const MEMORY_ARRAY = 'patchcore.memory';
export const PROJECTION_ARRAY = 'patchcore.projection';

/** Images embedded per fit step: one teacher batch. */
const EMBED_BATCH = 4;
/** A coreset step runs whole centres for about this long, so cancel and progress stay prompt. */
const CORESET_SLICE_MS = 200;
/** The in-memory features are refused above this size, before the fit allocates them. */
const MAX_FEATURE_BYTES = 1.5 * 2 ** 30;

/** Memory shape and size of a fit over `images` training images. */
export function fitShape(
  teacherChannels: readonly number[],
  images: number,
  options: PatchCoreOptions,
): { grid: number; patches: number; dim: number; memory: number } {
  const grid = options.imageSize / 8;
  const patches = images * grid * grid;
  const dim = patchDimension(teacherChannels, options.projectionDim);
  const memory = Math.max(1, Math.min(patches, Math.round(options.coresetFraction * patches)));
  return { grid, patches, dim, memory };
}

export class PatchCore {
  private features: Float32Array | null = null;
  private imagesDone = 0;
  private coreset: GreedyCoreset | null = null;
  private memory: SearchMemory | null = null;
  private finalRadius: number | null = null;
  private coresetMs = 0;
  private readonly clock: FitClock;
  private readonly firstCentre: number;
  readonly shape: ReturnType<typeof fitShape>;

  private constructor(
    readonly teacher: Teacher,
    readonly images: number,
    readonly options: PatchCoreOptions,
    private readonly projection: tf.Tensor2D | null, // [C2+C3, D]
  ) {
    this.shape = fitShape(teacher.channels, images, options);
    const { grid, memory, dim } = this.shape;
    this.clock = new FitClock(images, grid * grid, memory, dim);
    this.firstCentre = new Rng(options.seed).int(0, this.shape.patches);
  }

  /** An unfitted model for `images` training images; `fitStep` does the fit. */
  static create(teacher: Teacher, images: number, options: PatchCoreOptions): PatchCore {
    if (images < 1) throw new Error('PatchCore needs at least one training image.');
    if (options.imageSize % 16 !== 0) throw new Error('PatchCore needs an image size divisible by 16.');
    const { patches, dim } = fitShape(teacher.channels, images, options);
    const bytes = patches * dim * 4;
    if (bytes > MAX_FEATURE_BYTES)
      throw new Error(
        `PatchCore would hold ${(bytes / 2 ** 30).toFixed(1)} GiB of patch features (${patches} patches of ${dim} values): ` +
          'choose a smaller image size or projection width, or fewer training images.',
      );
    const p = randomProjection(teacher.channels, options.projectionDim, options.seed);
    return new PatchCore(teacher, images, options, p ? tf.tensor2d(p.data, p.shape) : null);
  }

  /** A fitted model from checkpoint arrays (see toArrays); throws naming what does not fit. */
  static fromArrays(
    teacher: Teacher,
    images: number,
    options: PatchCoreOptions,
    arrays: StoredArrays,
    coveringRadius: number | null = null,
  ): PatchCore {
    const { dim } = fitShape(teacher.channels, images, options);
    const memory = arrays.get(MEMORY_ARRAY);
    if (!memory || memory.shape.length !== 2 || memory.shape[1] !== dim || memory.shape[0] < 1)
      throw new Error(
        `The checkpoint's PatchCore memory is ${memory ? memory.shape.join('x') : 'missing'}, expected [patches, ${dim}].`,
      );
    const expected = projectionShape(teacher.channels, options.projectionDim);
    const stored = arrays.get(PROJECTION_ARRAY);
    if ((stored?.shape.join('x') ?? 'none') !== (expected?.join('x') ?? 'none'))
      throw new Error(
        `The checkpoint's PatchCore projection is ${stored ? stored.shape.join('x') : 'missing'}, expected ${expected ? expected.join('x') : 'none'}.`,
      );
    for (const [name, a] of [
      [MEMORY_ARRAY, memory],
      [PROJECTION_ARRAY, stored],
    ] as const)
      if (a && !(a.data instanceof Float32Array)) throw new Error(`The checkpoint's ${name} is not float32.`);
    const model = new PatchCore(
      teacher,
      images,
      options,
      stored ? tf.tensor2d(stored.data as Float32Array, stored.shape as [number, number]) : null,
    );
    model.imagesDone = images;
    model.finalRadius = coveringRadius;
    model.memory = prepareMemory(tf.tensor2d(memory.data as Float32Array, memory.shape as [number, number]));
    return model;
  }

  /** Images plus coreset centres: the fit's step count. */
  get totalSteps(): number {
    return this.images + this.shape.memory;
  }

  get stepsDone(): number {
    if (this.memory) return this.totalSteps;
    return this.imagesDone + (this.coreset?.size ?? 0);
  }

  get fitted(): boolean {
    return this.memory !== null;
  }

  /** Rows in the memory (fewer than asked when the training patches have fewer distinct values). */
  get memorySize(): number {
    return this.memory?.rows.shape[0] ?? 0;
  }

  /** Covering radius of the final coreset (null before the fit ends, or not known to a restored model). */
  get coveringRadius(): number | null {
    return this.finalRadius;
  }

  /**
   * One step of the fit: the next batch of training images through the teacher, or about
   * CORESET_SLICE_MS of coreset centres, or the memory's assembly after the last centre.
   * `batch(start, end)` gives training images [start, end) as [end−start,S,S,3] in [0,1].
   */
  async fitStep(batch: (start: number, end: number) => tf.Tensor4D): Promise<FitProgress> {
    if (this.memory) return this.progress('done');
    if (this.imagesDone < this.images) {
      await this.embed(batch);
      return this.progress(this.imagesDone < this.images ? 'features' : 'coreset');
    }
    const t0 = performance.now();
    if (!this.coreset) this.coreset = new GreedyCoreset(this.features!, this.shape.dim, this.firstCentre);
    const coreset = this.coreset;
    coreset.add(this.shape.memory - coreset.size, () => performance.now() - t0 >= CORESET_SLICE_MS);
    this.coresetMs += performance.now() - t0;
    this.clock.coresetSlice(coreset.size, this.coresetMs, coreset.distances);
    if (coreset.size < this.shape.memory && !coreset.exhausted) return this.progress('coreset');
    this.assemble(coreset);
    return this.progress('done');
  }

  /** Anomaly maps [N,S,S] (blurred) and image scores [N] of a batch; the caller owns both. */
  score(x: tf.Tensor4D /* [N,S,S,3], S = imageSize */): { maps: tf.Tensor3D; scores: tf.Tensor1D } {
    const memory = this.memory;
    if (!memory) throw new Error('PatchCore is not fitted yet: run its fit first.');
    const [n, s] = x.shape;
    // The teacher is frozen: its transformed filters are reused between calls (filter-cache.ts).
    return withFilterCache(() =>
      tf.tidy(() => {
        const taps = this.teacher.features(x);
        const { patches, h, w } = patchFeatures(taps[1], taps[2], this.projection);
        const distances = tf.reshape(nearestDistances(patches, memory), [n, h, w]) as tf.Tensor3D;
        const scores = tf.max(distances, [1, 2]) as tf.Tensor1D;
        const maps = gaussianBlur(resizeMaps(distances, s, s));
        return { maps, scores };
      }),
    );
  }

  /** The memory and projection as a checkpoint holds them, by name; none before the fit ends. */
  checkpointTensors(): { name: string; tensor: tf.Tensor2D }[] {
    if (!this.memory) return [];
    const out = [{ name: MEMORY_ARRAY, tensor: this.memory.rows }];
    if (this.projection) out.push({ name: PROJECTION_ARRAY, tensor: this.projection });
    return out;
  }

  /** The memory and projection for a checkpoint; empty before the fit ends. */
  async toArrays(): Promise<PatchCoreArrays> {
    const out: PatchCoreArrays = new Map();
    for (const { name, tensor } of this.checkpointTensors())
      out.set(name, { shape: tensor.shape, data: (await tensor.data()) as Float32Array });
    return out;
  }

  dispose(): void {
    this.features = null;
    this.coreset = null;
    if (this.memory) tf.dispose([this.memory.rows, this.memory.squaredNorms]);
    this.memory = null;
    this.projection?.dispose();
  }

  private async embed(batch: (start: number, end: number) => tf.Tensor4D): Promise<void> {
    const t0 = performance.now();
    const { patches: total, dim, grid } = this.shape;
    this.features ??= allocate(total * dim);
    const start = this.imagesDone;
    const end = Math.min(this.images, start + EMBED_BATCH);
    const x = batch(start, end);
    const out = withFilterCache(() =>
      tf.tidy(() => {
        const taps = this.teacher.features(x);
        return patchFeatures(taps[1], taps[2], this.projection).patches;
      }),
    );
    x.dispose();
    try {
      if (out.shape[0] !== (end - start) * grid * grid)
        throw new Error(`PatchCore: ${out.shape[0]} patches from ${end - start} images of ${grid}x${grid}`);
      this.features.set((await out.data()) as Float32Array, start * grid * grid * dim);
    } finally {
      out.dispose();
    }
    this.imagesDone = end;
    this.clock.embedded(end - start, performance.now() - t0, this.features);
  }

  private assemble(coreset: GreedyCoreset): void {
    const dim = this.shape.dim;
    const features = this.features!;
    const rows = new Float32Array(coreset.size * dim);
    coreset.selected.forEach((p, j) => rows.set(features.subarray(p * dim, (p + 1) * dim), j * dim));
    this.memory = prepareMemory(tf.tensor2d(rows, [coreset.size, dim]));
    this.finalRadius = coreset.radius;
    // The training patches are no longer needed; they are the fit's largest allocation.
    this.features = null;
    this.coreset = null;
  }

  private progress(phase: FitPhase): FitProgress {
    const etaMs = phase === 'done' ? 0 : this.clock.remainingMs();
    return {
      phase,
      done: this.stepsDone,
      total: this.totalSteps,
      radius: phase === 'done' ? this.finalRadius : (this.coreset?.radius ?? null),
      etaMs,
    };
  }
}

function allocate(values: number): Float32Array {
  try {
    return new Float32Array(values);
  } catch {
    throw new Error(
      `PatchCore could not allocate ${((values * 4) / 2 ** 20).toFixed(0)} MiB for the patch features: ` +
        'choose a smaller image size or projection width.',
    );
  }
}
