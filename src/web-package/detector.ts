/**
 * The scoring package's one entry point, for any web page:
 *
 *   import { load } from './detector.js';
 *   const detector = await load('./model/');
 *   const { score, map, anomalous } = await detector.score(imageOrVideoFrame);
 *
 * It rebuilds the model the playground trained (teacher, network, normal memory bank) from the
 * package's model folder and scores through the app's own scoring path, so on the same backend its
 * scores are the app's. It imports only @tensorflow/tfjs and its WASM and WebGPU backends.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fetchReader, loadTeacher, type Teacher } from '../core/backbones';
import { readModelFile } from '../core/io/model-file';
import { readSafetensors } from '../core/io/safetensors';
import { installWasmKernels } from '../core/kernels/wasm';
import { createNetwork, type Banks, type Network } from '../core/model/dmgrd';
import { disposeMemoryBank } from '../core/model/memory-bank';
import { bankFromArrays } from '../core/pipeline/checkpoint';
import { toBatch } from '../core/pipeline/dataset';
import { disposeScores, scoreImages } from '../core/pipeline/score';
import { loadStoreFromArrays } from '../core/train/checkpoint';
import { PACKAGE_FORMAT, type PackageManifest } from './manifest';
import { storedImage, type Crop } from './preprocess';

export type { PackageManifest } from './manifest';

/** Anything a page has an image in: an <img>, <video>, <canvas>, ImageBitmap, VideoFrame, Blob or ImageData. */
export type ImageInput = ImageBitmapSource | ImageData;

export interface LoadOptions {
  /**
   * TF.js backend to score on; default `wasm`, on which the scores equal the playground's own WASM
   * scores. `webgpu` is faster where available and agrees to about 1e-4.
   */
  backend?: 'wasm' | 'webgpu' | 'webgl' | 'cpu';
  /** Folder (URL, ending in /) of the tfjs-backend-wasm `.wasm` binaries, when not beside TF.js. */
  wasmPaths?: string;
}

export interface ScoreOptions {
  /** `center` scores the centre square (camera frames); default: the whole image, squeezed square as the dataset was. */
  crop?: Crop;
}

export interface ScoreResult {
  /** Image anomaly score (mean of the top-k map values). */
  score: number;
  /** Blurred anomaly map, row-major [size*size]. */
  map: Float32Array;
  size: number;
  /** score >= the package's image threshold. */
  anomalous: boolean;
  /** Milliseconds this call took. */
  ms: number;
}

export interface Detector {
  readonly manifest: PackageManifest;
  /** The TF.js backend it scores on. */
  readonly backend: string;
  score(input: ImageInput, options?: ScoreOptions): Promise<ScoreResult>;
  /** Frees the model's tensors. */
  dispose(): void;
}

/** Loads the package's model folder (the URL of `model/`, ending in / or not). */
export async function load(url: string | URL, options: LoadOptions = {}): Promise<Detector> {
  const base = folderUrl(url);
  const manifest = await fetchManifest(base);
  if (options.wasmPaths) setWasmPaths(options.wasmPaths);
  installWasmKernels();
  const backend = options.backend ?? 'wasm';
  if (!(await tf.setBackend(backend)))
    throw new Error(`detector: the ${backend} backend could not start here`);
  await tf.ready();
  const read = fetchReader(base);
  const teacher = await loadPackageTeacher(manifest, fetchReader(`${base}teacher/`));
  let net: Network | null = null;
  let banks: Banks | null = null;
  try {
    const { config } = manifest;
    if (config.model === 'patchcore')
      throw new Error('detector: this package holds a PatchCore model, which it cannot score');
    net = createNetwork(config.model, config.teacher, teacher.channels, config.seed);
    loadStoreFromArrays(net.store, readSafetensors(await read(manifest.weights)));
    if (manifest.memory) {
      const arrays = readSafetensors(await read(manifest.memory.file));
      const sources = manifest.memory.sources.map((_, i) => i);
      const normal = bankFromArrays('memory.normal', arrays, sources);
      // Scoring reads only the normal bank; the abnormal one serves training.
      banks = { normal, abnormal: { levels: [], sources: [] } };
    }
  } catch (e) {
    teacher.dispose();
    net?.store.dispose();
    throw e;
  }
  return new PackageDetector(manifest, teacher, net, banks, backend);
}

function folderUrl(url: string | URL): string {
  const base = typeof document === 'undefined' ? (globalThis.location?.href ?? undefined) : document.baseURI;
  const href = new URL(url, base).href;
  return href.endsWith('/') ? href : `${href}/`;
}

async function fetchManifest(base: string): Promise<PackageManifest> {
  const res = await fetch(`${base}model.json`);
  if (!res.ok) throw new Error(`detector: ${base}model.json: HTTP ${res.status}`);
  const manifest = (await res.json()) as PackageManifest;
  if (manifest.format !== PACKAGE_FORMAT)
    throw new Error(
      `detector: ${base}model.json is not a ${PACKAGE_FORMAT} manifest (format ${String(manifest.format)})`,
    );
  return manifest;
}

async function loadPackageTeacher(
  manifest: PackageManifest,
  read: ReturnType<typeof fetchReader>,
): Promise<Teacher> {
  const { name, format, files } = manifest.teacher;
  if (format === 'tfjs') return loadTeacher(name, read);
  const bytes = new Uint8Array(await read(files[0]));
  return loadTeacher(name, read, { torchWeights: readModelFile(files[0], bytes) });
}

class PackageDetector implements Detector {
  /** Scores run one at a time: each waits for the previous one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly manifest: PackageManifest,
    private readonly teacher: Teacher,
    private readonly net: Network,
    private readonly banks: Banks | null,
    readonly backend: string,
  ) {}

  score(input: ImageInput, options: ScoreOptions = {}): Promise<ScoreResult> {
    const run = this.queue.then(() => this.scoreNow(input, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(input: ImageInput, options: ScoreOptions): Promise<ScoreResult> {
    const t0 = performance.now();
    const { rgba, width, height } = await pixelsOf(input);
    const { config, preprocessing, thresholds } = this.manifest;
    const image = storedImage(rgba, width, height, preprocessing, options.crop ?? 'none');
    const x = toBatch([image], config.imageSize);
    const r = scoreImages({ teacher: this.teacher, net: this.net, banks: this.banks }, x, config);
    x.dispose();
    try {
      const [map, scores] = await Promise.all([r.maps.data(), r.scores.data()]);
      const score = scores[0];
      return {
        score,
        map: map as Float32Array,
        size: config.imageSize,
        anomalous: score >= thresholds.image,
        ms: performance.now() - t0,
      };
    } finally {
      disposeScores(r);
    }
  }

  dispose(): void {
    this.teacher.dispose();
    this.net.store.dispose();
    if (this.banks) disposeMemoryBank(this.banks.normal);
  }
}

/** 8-bit RGBA of any image input, decoded without colour management (as the app decodes a dataset). */
async function pixelsOf(
  input: ImageInput,
): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData)
    return { rgba: input.data, width: input.width, height: input.height };
  const bitmap = await createImageBitmap(input as ImageBitmapSource, {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('detector: no 2D canvas to read the image with');
    ctx.drawImage(bitmap, 0, 0);
    return {
      rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data,
      width: bitmap.width,
      height: bitmap.height,
    };
  } finally {
    bitmap.close();
  }
}
