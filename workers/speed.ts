// Speed benchmark, worker side: times inference and training of one teacher × method × size case
// on the active backend, profiles them with tf.profile and counts their FLOPs from the kernels run.
// Random images throughout: speed does not depend on the pixel values.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { loadTeacherFromUrl, type Teacher } from '../src/core/backbones';
import { ResNetTeacher, type ResNetArch } from '../src/core/backbones/resnet';
import { needsImportedWeights, validateConfig, type TrainConfig } from '../src/core/config';
import { buildBank } from '../src/core/model/build-banks';
import { createNetwork, parameterCount, type Banks } from '../src/core/model/dmgrd';
import { disposeMemoryBank } from '../src/core/model/memory-bank';
import { countDispatches } from '../src/core/kernels/webgpu';
import { disposeScores, scoreImages } from '../src/core/pipeline/score';
import { countFlops, macThroughput, opProfile, type TimedKernel } from '../src/core/perf/flops';
import { Trainer } from '../src/core/train/trainer';
import { Rng } from '../src/core/synth/rng';
import type { BackendName } from './engine-api';
import type {
  PeakResult,
  ProfileSummary,
  SpeedCaseResult,
  SpeedCaseSpec,
  SpeedCommands,
  Timing,
} from './speed-api';
import type { TaskHandle, TaskRegistry } from './tasks';

/** A MAC kernel call of at least this many FLOPs counts as heavy (the convs that dominate). */
export const HEAVY_FLOPS = 1e8;
const TOP_OPS = 10;

const RANDOM_ARCHS: readonly string[] = ['resnet18', 'resnet34', 'resnet50', 'wide_resnet50_2'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Largest tf.memory().numBytes seen by `sample`, and the GPU bytes where the backend has them. */
class MemoryPeak {
  bytes = 0;
  gpu: number | null = null;
  sample(extra = 0): void {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    this.bytes = Math.max(this.bytes, m.numBytes, extra);
    if (typeof m.numBytesInGPU === 'number') this.gpu = Math.max(this.gpu ?? 0, m.numBytesInGPU);
  }
}

function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/** One warm-up call, then `repeats` timed calls; `run` must await its result so queued GPU work counts. */
async function timed(
  task: TaskHandle,
  repeats: number,
  run: () => Promise<void>,
  after: () => void,
  label: string,
): Promise<Timing> {
  const once = async (): Promise<number> => {
    await task.checkpoint();
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    after();
    return ms;
  };
  task.progress(0, repeats + 1, `${label}: warm-up`);
  const warmup = await once();
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    task.progress(
      i + 1,
      repeats + 1,
      `${label}: run ${i + 1}/${repeats} (${(runs[i - 1] ?? warmup).toFixed(0)} ms)`,
    );
    runs.push(await once());
  }
  task.progress(repeats + 1, repeats + 1, `${label}: median ${median(runs).toFixed(0)} ms`);
  return { median: median(runs), runs, warmup };
}

async function profileOf(run: () => Promise<void>, wallMs: number): Promise<ProfileSummary> {
  const info = await tf.profile(() => run());
  // The profile also lists customGrad / op scopes ('unnamed scope', 'fusedConv2d__op') whose time
  // includes the kernels inside them; only registered kernels are kept, so no time counts twice.
  const backend = tf.getBackend();
  const kernels = (info.kernels as unknown as TimedKernel[]).filter(
    (k) => tf.getKernel(k.name, backend) !== undefined,
  );
  const flops = countFlops(kernels).total;
  const mac = macThroughput(kernels);
  const all = opProfile(kernels);
  return {
    flops,
    gflops: wallMs > 0 ? flops / wallMs / 1e6 : 0,
    macGflops: mac.gflops,
    heavy: macThroughput(kernels, HEAVY_FLOPS),
    kernelMs: all.reduce((s, r) => s + r.ms, 0),
    peakBytes: info.peakBytes,
    top: all.slice(0, TOP_OPS),
    kernels: kernels.length,
  };
}

async function loadSpeedTeacher(spec: SpeedCaseSpec): Promise<{ teacher: Teacher; weights: string }> {
  const random = spec.weights === 'random' || needsImportedWeights(spec.teacher);
  if (random) {
    if (!RANDOM_ARCHS.includes(spec.teacher))
      throw new Error(`teacher ${spec.teacher}: random weights exist only for the torchvision ResNets`);
    return {
      teacher: ResNetTeacher.random(spec.teacher as ResNetArch, spec.seed),
      weights: `random init (torchvision ${spec.teacher} architecture)`,
    };
  }
  const teacher = await loadTeacherFromUrl(spec.teacher, { base: `${import.meta.env.BASE_URL}teachers/` });
  return { teacher, weights: `served TF.js weights (/teachers/${spec.teacher}/)` };
}

/** Random images in [0,1], [n,s,s,3]; the seed keeps runs comparable. */
const randomImages = (n: number, s: number, seed: number): tf.Tensor4D =>
  tf.randomUniform([n, s, s, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

/** Sets `flags` while `body` runs, then puts the previous values back. */
async function withTfFlags<T>(flags: SpeedCaseSpec['tfFlags'], body: () => Promise<T>): Promise<T> {
  const env = tf.env();
  const before = Object.keys(flags).map((name) => [name, env.get(name)] as const);
  env.setFlags(flags);
  try {
    return await body();
  } finally {
    for (const [name, value] of before) env.set(name, value);
  }
}

export function benchSpeedCase(task: TaskHandle, spec: SpeedCaseSpec): Promise<SpeedCaseResult> {
  return withTfFlags(spec.tfFlags, () => runSpeedCase(task, spec));
}

async function runSpeedCase(task: TaskHandle, spec: SpeedCaseSpec): Promise<SpeedCaseResult> {
  const t0 = performance.now();
  const backend = tf.getBackend() as BackendName;
  const peak = new MemoryPeak();
  const s = spec.imageSize;
  task.progress(0, 1, `loading the ${spec.teacher} teacher`);
  const { teacher, weights } = await loadSpeedTeacher(spec);
  let banks: Banks | null = null;
  let trainer: Trainer | null = null;
  const net = createNetwork(spec.method, spec.teacher, teacher.channels, spec.seed);
  try {
    const config: TrainConfig = validateConfig({
      teacher: spec.teacher,
      model: spec.method,
      imageSize: s,
      batchSize: Math.max(2, spec.trainBatch),
      memoryItems: spec.memoryItems,
      gradNormEvery: 0,
      seed: spec.seed,
    });
    if (spec.method === 'dmgrd') {
      const l = spec.memoryItems;
      const sources = [...Array(l).keys()];
      const bank = (seed: number, what: string) =>
        buildBank(teacher, l, (i) => randomImages(1, s, seed + i), sources, {
          onProgress: (d, t) => task.progress(d, t, `building the ${what} memory bank`),
          signal: task.signal,
        });
      const normal = await bank(1000, 'normal');
      try {
        banks = { normal, abnormal: await bank(2000, 'abnormal') };
      } catch (e) {
        disposeMemoryBank(normal);
        throw e;
      }
    }
    peak.sample();
    const setupMs = performance.now() - t0;

    const inference: SpeedCaseResult['inference'] = [];
    let inferProfile: ProfileSummary | null = null;
    const maxBatch = Math.max(...spec.inferBatches);
    for (const b of spec.inferBatches) {
      const x = randomImages(b, s, 7);
      try {
        // The whole scoring path of the app: teacher, memory select, MSFF, OCBE, student, anomaly map.
        const issued: number[] = [];
        const run = async (): Promise<void> => {
          const t0 = performance.now();
          const r = scoreImages({ teacher, net, banks }, x, config);
          issued.push(performance.now() - t0);
          peak.sample();
          try {
            await r.scores.data();
          } finally {
            disposeScores(r);
          }
        };
        const perBatch = await timed(task, spec.repeats, run, () => peak.sample(), `inference batch ${b}`);
        const issueMsPerBatch = median(issued.slice(1)); // after the warm-up
        const per = (ms: number): number => ms / b;
        inference.push({
          batch: b,
          msPerBatch: perBatch,
          issueMsPerBatch,
          dispatches: await countDispatches(run),
          msPerImage: {
            median: per(perBatch.median),
            runs: perBatch.runs.map(per),
            warmup: per(perBatch.warmup),
          },
        });
        if (spec.profile && b === maxBatch) {
          task.progress(0, 1, `profiling inference batch ${b}`);
          inferProfile = await profileOf(run, perBatch.median);
          peak.sample(inferProfile.peakBytes);
        }
      } finally {
        x.dispose();
      }
    }

    let training: Timing | null = null;
    let trainProfile: ProfileSummary | null = null;
    if (spec.trainBatch > 0) {
      trainer = new Trainer(net, teacher, banks, config, new Rng(spec.seed));
      const x = randomImages(spec.trainBatch, s, 11);
      try {
        const tr = trainer;
        const run = async (): Promise<void> => {
          await tr.trainStep(x);
        };
        training = await timed(
          task,
          spec.repeats,
          run,
          () => peak.sample(),
          `training batch ${spec.trainBatch}`,
        );
        if (spec.profile) {
          task.progress(0, 1, `profiling a training step`);
          trainProfile = await profileOf(run, training.median);
          peak.sample(trainProfile.peakBytes);
        }
      } finally {
        x.dispose();
      }
    }

    return {
      spec,
      backend,
      teacherWeights: weights,
      teacherChannels: [...teacher.channels],
      trainableParams: parameterCount(net),
      setupMs,
      inference,
      training,
      inferProfile,
      trainProfile,
      memory: { peakBytes: peak.bytes, peakBytesInGPU: peak.gpu, wasmHeapBytes: wasmHeapBytes() },
    };
  } finally {
    trainer?.dispose();
    net.store.dispose();
    if (banks) {
      disposeMemoryBank(banks.normal);
      disposeMemoryBank(banks.abnormal);
    }
    teacher.dispose();
  }
}

/** Large square matmul and a 3x3 conv, timed like the cases (warm-up, median, awaited read). */
export async function benchPeak(task: TaskHandle, matmulN = 2048, repeats = 5): Promise<PeakResult> {
  const backend = tf.getBackend() as BackendName;
  // Waiting on one element of the output keeps the read-back out of the timing.
  const settle = async (y: tf.Tensor): Promise<void> => {
    const one = tf.tidy(() => tf.slice(tf.reshape(y, [-1]), 0, 1));
    await one.data();
    tf.dispose([one, y]);
  };
  const convShape: [number, number, number, number] = [1, 64, 64, 256];
  const x = tf.randomNormal(convShape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 256, 256], 0, 0.05, 'float32', 4) as tf.Tensor4D;
  try {
    // Large matmuls can run below smaller ones (cache blocking, memory bandwidth): the best size counts.
    const sizes = [...new Set([512, 1024, matmulN].filter((n) => n <= matmulN))];
    const matmulSizes: PeakResult['matmulSizes'] = [];
    for (const n of sizes) {
      const [a, b] = [1, 2].map((seed) => tf.randomNormal([n, n], 0, 1, 'float32', seed) as tf.Tensor2D);
      try {
        const ms = await timed(
          task,
          repeats,
          () => settle(tf.matMul(a, b)),
          () => {},
          `peak: matmul ${n}`,
        );
        const flops = 2 * n ** 3;
        matmulSizes.push({ n, flops, ms, gflops: flops / ms.median / 1e6 });
      } finally {
        tf.dispose([a, b]);
      }
    }
    const best = matmulSizes.reduce((p, q) => (q.gflops > p.gflops ? q : p));
    const cv = await timed(
      task,
      repeats,
      () => settle(tf.conv2d(x, w, 1, 'same')),
      () => {},
      'peak: conv 3x3',
    );
    const cvFlops = 2 * convShape.reduce((p, v) => p * v, 1) * 9 * 256;
    const wasm = backend === 'wasm';
    return {
      backend,
      matmul: best,
      matmulSizes,
      conv: { shape: convShape, flops: cvFlops, ms: cv, gflops: cvFlops / cv.median / 1e6 },
      wasmThreads: wasm ? getThreadsCount() : null,
    };
  } finally {
    tf.dispose([x, w]);
  }
}

export function createSpeedCommands(tasks: TaskRegistry): SpeedCommands {
  return {
    benchSpeed: (spec, { taskId }) => tasks.run(taskId, (task) => benchSpeedCase(task, spec)),
    benchPeak: ({ taskId, matmulN, repeats }) =>
      tasks.run(taskId, (task) => benchPeak(task, matmulN, repeats)),
  };
}
