import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FlatProgram, fusedBackend, runProgram } from './webgpu';

/**
 * Where one invocation per row pays: TF.js's WebGPU top-k sorts whole rows with a bitonic network,
 * a dispatch per stage (nine per call on the memory select's rows, counted), to keep a handful of
 * values. A row kept in registers needs k slots; past `MAX_K` they spill, and past `MAX_COLUMNS`
 * too few invocations share too much serial work (the anomaly score's top-k over every pixel of an
 * image).
 */
const MAX_K = 32;
const MAX_COLUMNS = 4096;

/** x [R,C] → [R,k]: each row's k largest values, descending, by insertion into k registers. */
class TopKRowsProgram extends FlatProgram {
  variableNames = ['X'];

  constructor(
    rows: number,
    private readonly k: number,
  ) {
    super([rows, k], `dmgrd_topk_rows_${k}`, rows);
  }

  getUserCode(): string {
    const k = this.k;
    return `
      fn main(index : i32) {
        if (index >= uniforms.outShape[0]) { return; }
        let cols = uniforms.xShape[1];
        let base = index * cols;
        var best : array<f32, ${k}>;
        var filled = 0;
        for (var c = 0; c < cols; c++) {
          let v = X[base + c];
          var j = filled;
          if (filled < ${k}) {
            filled++;
          } else if (v > best[${k - 1}]) {
            j = ${k - 1};
          } else {
            continue;
          }
          while (j > 0 && best[j - 1] < v) {
            best[j] = best[j - 1];
            j--;
          }
          best[j] = v;
        }
        for (var j = 0; j < ${k}; j++) { setOutputAtIndex(index * ${k} + j, best[j]); }
      }
    `;
  }
}

/**
 * The k largest values of each row, descending: `tf.topk(x, k).values`. Values only, and forward
 * only (no backend has a TopK gradient either).
 */
export function topkValues(x: tf.Tensor2D /* [R,C] */, k: number): tf.Tensor2D {
  const [rows, cols] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > cols) throw new Error(`topkValues: k=${k} for rows of ${cols}`);
  const backend = fusedBackend();
  if (backend && k <= MAX_K && cols <= MAX_COLUMNS)
    return runProgram<tf.Tensor2D>(backend, new TopKRowsProgram(rows, k), [x]);
  return tf.tidy(() => tf.topk(x, k, true).values);
}

/** Values a workgroup sorts at once (4 KB of workgroup memory), and its threads. */
const CHUNK = 1024;
const CHUNK_THREADS = 256;

/**
 * x [R,L] → [R, ⌈L/CHUNK⌉·keep]: each chunk of CHUNK values of a row sorted descending in workgroup
 * memory by a bitonic network, its first `keep` written out; or, with `meanOf` k and one chunk per
 * row, the mean of its k largest → [R]. Padding past the row's end is −FLT_MAX, which no kept value
 * can be below when k ≤ L.
 */
class ChunkTopKProgram implements WebGPUProgram {
  variableNames = ['X'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [CHUNK_THREADS, 1, 1];

  constructor(
    rows: number,
    length: number,
    private readonly keep: number,
    private readonly meanOf: number,
  ) {
    const chunks = Math.ceil(length / CHUNK);
    this.outputShape = meanOf > 0 ? [rows] : [rows, chunks * keep];
    this.shaderKey = `dmgrd_chunk_topk_${keep}_${meanOf}`;
    this.dispatch = [chunks, rows, 1];
  }

  getUserCode(): string {
    const write =
      this.meanOf > 0
        ? `if (li == 0) {
            var sum = 0.0;
            for (var i = 0; i < ${this.meanOf}; i++) { sum += vals[i]; }
            setOutputAtIndex(row, sum / ${this.meanOf}.0);
          }`
        : `for (var i = li; i < ${this.keep}; i += ${CHUNK_THREADS}) {
            setOutputAtIndex((row * i32(numWorkgroups.x) + chunk) * ${this.keep} + i, vals[i]);
          }`;
    return `
      var<workgroup> vals : array<f32, ${CHUNK}>;

      fn main(index : i32) {
        let length = uniforms.xShape[1];
        let chunk = i32(workgroupId.x);
        let row = i32(workgroupId.y);
        let li = i32(localIndex);
        for (var i = li; i < ${CHUNK}; i += ${CHUNK_THREADS}) {
          let col = chunk * ${CHUNK} + i;
          var v = -3.4028234e38;
          if (col < length) { v = X[row * length + col]; }
          vals[i] = v;
        }
        workgroupBarrier();
        // Bitonic sort, descending: pair t compares i (bit 'stride' clear) with i + stride.
        for (var size = 2; size <= ${CHUNK}; size = size * 2) {
          for (var stride = size / 2; stride > 0; stride = stride / 2) {
            for (var t = li; t < ${CHUNK / 2}; t += ${CHUNK_THREADS}) {
              let i = 2 * t - (t & (stride - 1));
              let a = vals[i];
              let b = vals[i + stride];
              if ((a < b) == ((i & size) == 0)) {
                vals[i] = b;
                vals[i + stride] = a;
              }
            }
            workgroupBarrier();
          }
        }
        ${write}
      }
    `;
  }
}

/**
 * Mean of the k largest values of each row → [R] (the image score's top-k mean). On WebGPU a few
 * dispatches: rows are cut to each chunk's best 2^⌈log₂k⌉ until one chunk is left (65536 values at
 * k = 100: three passes), where TF.js's top-k ran 68 for a 64×64 map (counted). Forward only.
 */
export function topkMean(x: tf.Tensor2D /* [R,L] */, k: number): tf.Tensor1D {
  const [rows, length] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > length) throw new Error(`topkMean: k=${k} for rows of ${length}`);
  const keep = 2 ** Math.ceil(Math.log2(k));
  const backend = fusedBackend();
  if (!backend || keep > CHUNK / 2)
    return tf.tidy(() => tf.mean(tf.topk(x, k, true).values, 1) as tf.Tensor1D);
  return tf.tidy(() => {
    let candidates = x;
    while (candidates.shape[1] > CHUNK)
      candidates = runProgram<tf.Tensor2D>(
        backend,
        new ChunkTopKProgram(rows, candidates.shape[1], keep, 0),
        [candidates],
      );
    return runProgram<tf.Tensor1D>(backend, new ChunkTopKProgram(rows, candidates.shape[1], keep, k), [
      candidates,
    ]);
  });
}
