/**
 * Loads a TF.js model folder (model.json + weight shards) through one `ReadFile` function, so the
 * same code serves the browser (fetch from `/teachers/<name>/`) and Node tests (fs.readFile).
 * Every shard is size-checked against the manifest before TF.js sees it: a missing, truncated or
 * wrong file fails with its name instead of a shape error deep inside the model.
 */
import * as tf from '@tensorflow/tfjs';

/** Reads a file relative to the model folder, e.g. `model.json` or `group1-shard1of6.bin`. */
export type ReadFile = (path: string) => Promise<ArrayBuffer>;

/** Called after each shard with the bytes read so far and the total the manifest announces. */
export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

export interface ReaderHandlerOptions {
  /** Rewrites the parsed model.json before loading (e.g. a free input size). */
  transform?: (json: tf.io.ModelJSON) => tf.io.ModelJSON;
  onProgress?: LoadProgress;
  /** Name used in error messages, e.g. the teacher name. */
  label?: string;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};
// tfjs-converter writes full 4 MiB shards and a shorter last one; this lets an error name the shard.
const CONVERTER_SHARD_BYTES = 4 * 1024 * 1024;

const HINT = 'Run `npm run weights` to (re)install the teacher weights.';

/** A `ReadFile` over HTTP(S) relative to `baseUrl` (with or without trailing slash). */
export function fetchReader(baseUrl: string, fetchImpl: typeof fetch = fetch): ReadFile {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (path) => {
    const url = base + path;
    const res = await fetchImpl(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    // Dev servers answer unknown paths with the SPA's index.html and status 200.
    if ((res.headers.get('content-type') ?? '').includes('text/html')) {
      throw new Error(`${url}: got an HTML page instead of the file (not installed?)`);
    }
    return res.arrayBuffer();
  };
}

/** Bytes a weight takes in its shard (its quantised dtype when quantised). */
export function weightBytes(w: tf.io.WeightsManifestEntry): number {
  const dtype = w.quantization ? w.quantization.dtype : w.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw new Error(`weight ${w.name}: unsupported dtype ${dtype}`);
  return w.shape.reduce((a, b) => a * b, 1) * bytes;
}

/** Expected byte size of each shard of a group, or null when the shards are not converter-sized. */
function shardSizes(total: number, n: number): number[] | null {
  const last = total - (n - 1) * CONVERTER_SHARD_BYTES;
  if (last <= 0 || last > CONVERTER_SHARD_BYTES) return n === 1 ? [total] : null;
  return Array.from({ length: n }, (_, i) => (i < n - 1 ? CONVERTER_SHARD_BYTES : last));
}

async function readNamed(read: ReadFile, path: string, label: string): Promise<ArrayBuffer> {
  try {
    return await read(path);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`${label}: cannot read ${path} (${why}). ${HINT}`);
  }
}

/** Parses model.json, with a clear message when it is missing, HTML or not a TF.js model. */
export async function readModelJson(read: ReadFile, label = 'model'): Promise<tf.io.ModelJSON> {
  const buf = await readNamed(read, 'model.json', label);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(buf));
  } catch {
    throw new Error(`${label}: model.json is not valid JSON. ${HINT}`);
  }
  const m = json as Partial<tf.io.ModelJSON>;
  if (typeof m !== 'object' || m === null || !m.modelTopology || !Array.isArray(m.weightsManifest)) {
    throw new Error(`${label}: model.json has no modelTopology/weightsManifest. ${HINT}`);
  }
  return m as tf.io.ModelJSON;
}

/** Reads every shard of the manifest in order, checking sizes; returns specs and the raw buffers. */
export async function readWeights(
  read: ReadFile,
  manifest: tf.io.WeightsManifestConfig,
  label = 'model',
  onProgress?: LoadProgress,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer[]]> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const jobs: { path: string; size: number | null }[] = [];
  let total = 0;
  for (const group of manifest) {
    const groupBytes = group.weights.reduce((a, w) => a + weightBytes(w), 0);
    specs.push(...group.weights);
    total += groupBytes;
    const sizes = shardSizes(groupBytes, group.paths.length);
    group.paths.forEach((path, i) => jobs.push({ path, size: sizes ? sizes[i] : null }));
  }
  let loaded = 0;
  const buffers = await Promise.all(
    jobs.map(async ({ path, size }) => {
      const buf = await readNamed(read, path, label);
      if (size !== null && buf.byteLength !== size) {
        throw new Error(
          `${label}: weight shard ${path} has ${buf.byteLength} bytes, model.json needs ${size}. ${HINT}`,
        );
      }
      loaded += buf.byteLength;
      onProgress?.(loaded, total);
      return buf;
    }),
  );
  // Non-converter shard sizes: at least the total must match.
  const got = buffers.reduce((a, b) => a + b.byteLength, 0);
  if (got !== total) {
    throw new Error(
      `${label}: weight shards ${jobs.map((j) => j.path).join(', ')} hold ${got} bytes, model.json needs ${total}. ${HINT}`,
    );
  }
  return [specs, buffers];
}

/**
 * Every weight of a TF.js model folder as a tensor by its name (`conv1/kernel`), read and checked as
 * `readWeights` does, for teachers that run their own forward pass on the weights. The caller
 * disposes them; `get` throws, naming the weight and the model expected, for one that is missing.
 */
export async function readNamedWeights(
  read: ReadFile,
  label: string,
  expected: string,
  onProgress?: LoadProgress,
): Promise<{ weights: tf.NamedTensorMap; get: (name: string) => tf.Tensor }> {
  const json = await readModelJson(read, label);
  const [specs, buffers] = await readWeights(read, json.weightsManifest, label, onProgress);
  const weights = tf.io.decodeWeights(tf.io.concatenateArrayBuffers(buffers), specs);
  const get = (name: string): tf.Tensor => {
    const t = weights[name];
    if (!t) throw new Error(`${label}: model.json has no weight ${name}; is it the ${expected}?`);
    return t;
  };
  return { weights, get };
}

/** A TF.js IOHandler for `tf.loadLayersModel` / `tf.loadGraphModel` built on a `ReadFile`. */
export function readerIOHandler(read: ReadFile, options: ReaderHandlerOptions = {}): tf.io.IOHandler {
  const label = options.label ?? 'model';
  return {
    load: async () => {
      let json = await readModelJson(read, label);
      if (options.transform) json = options.transform(json);
      return tf.io.getModelArtifactsForJSON(json, (manifest) =>
        readWeights(read, manifest, label, options.onProgress),
      );
    },
  };
}
