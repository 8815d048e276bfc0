import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { convWithGradients, type ConvParts } from './conv-gradients';
import { cachedTransform } from './filter-cache';
import { FlatProgram, fusedBackend, runProgram } from './webgpu';
import { sumOfParts } from '../nn/matmul';
import { imagesOf } from '../nn/winograd';
import { imageGroups, tileCount } from './winograd-tiles';

/**
 * Winograd's F(2×2, 3×3) on WebGPU, in the layout a GPU wants: the input's and the filter's 16
 * transform planes each as one tensor, [16, T, Cin] and [16, Cin, Cout], so the products are one
 * batched matmul (TF.js's tiled WGSL matmul) and a convolution is four dispatches. The transforms
 * are as in winograd.ts (tiles of 4×4 at a step of 2, T = N·⌈H/2⌉·⌈W/2⌉, plane p = 4ξ + ν); each
 * invocation does one tile and channel, all 16 points.
 *
 * The input gradient is TF.js's Conv2DBackpropInput; the filter gradient is Winograd too (its
 * transforms' adjoints around one batched product), as TF.js's Conv2DBackpropFilter runs far below
 * its matmul on a GPU. A customGrad, so the convolution is safe under a tape.
 */

/**
 * WGSL prologue of a program with one invocation per tile and channel of an [N,H,W,C] tensor whose
 * shape is the uniform `shape`, over `tiles` tiles: h, w, channels, the plane size, the bound
 * check, and the invocation's tile t, channel c, image n and first output row and column (tiles
 * step by 2).
 */
const tilePrologue = (shape: string, tiles: string): string => `
        let h = uniforms.${shape}[1];
        let w = uniforms.${shape}[2];
        let channels = uniforms.${shape}[3];
        let plane = ${tiles} * channels;
        if (index >= plane) { return; }
        let t = index / channels;
        let c = index % channels;
        let th = (h + 1) / 2;
        let tw = (w + 1) / 2;
        let n = t / (th * tw);
        let row = 2 * ((t / tw) % th);
        let col = 2 * (t % tw);`;

/** Programs that write the 16 planes [16, T, C] of an [N,H,W,C] tensor, a tile and channel each. */
abstract class TilePlanesProgram extends FlatProgram {
  constructor(shape: readonly number[], shaderKey: string) {
    const tiles = tileCount(shape);
    super([16, tiles, shape[3]], shaderKey, tiles * shape[3]);
  }
}

/** x [N,H,W,C] → V [16, T, C]: V = Bᵀ d B per tile and channel. */
class InputTransformProgram extends TilePlanesProgram {
  variableNames = ['X'];

  constructor(shape: readonly number[]) {
    super(shape, 'dmgrd_winograd_input');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${tilePrologue('xShape', 'uniforms.outShape[1]')}
        // The 4×4 input tile d: padding 1, so it starts a row and a column before the output's.
        var d : array<f32, 16>;
        for (var a = 0; a < 4; a++) {
          for (var b = 0; b < 4; b++) {
            let r = row - 1 + a;
            let q = col - 1 + b;
            var v = 0.0;
            if (r >= 0 && r < h && q >= 0 && q < w) { v = X[((n * h + r) * w + q) * channels + c]; }
            d[a * 4 + b] = v;
          }
        }
        // Bᵀ d: rows.
        var e : array<f32, 16>;
        for (var b = 0; b < 4; b++) {
          e[b] = d[b] - d[8 + b];
          e[4 + b] = d[4 + b] + d[8 + b];
          e[8 + b] = d[8 + b] - d[4 + b];
          e[12 + b] = d[4 + b] - d[12 + b];
        }
        // (Bᵀ d) B: columns.
        for (var a = 0; a < 4; a++) {
          let o = a * 4;
          setOutputAtIndex((o + 0) * plane + index, e[o] - e[o + 2]);
          setOutputAtIndex((o + 1) * plane + index, e[o + 1] + e[o + 2]);
          setOutputAtIndex((o + 2) * plane + index, e[o + 2] - e[o + 1]);
          setOutputAtIndex((o + 3) * plane + index, e[o + 1] - e[o + 3]);
        }
      }
    `;
  }
}

/** w [3,3,Cin,Cout] → U [16, Cin, Cout]: U = G g Gᵀ per channel pair. */
class FilterTransformProgram extends FlatProgram {
  variableNames = ['W'];

  constructor(shape: readonly number[]) {
    super([16, shape[2], shape[3]], 'dmgrd_winograd_filter', shape[2] * shape[3]);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        let pairs = uniforms.outShape[1] * uniforms.outShape[2];
        if (index >= pairs) { return; }
        var g : array<f32, 9>;
        for (var k = 0; k < 9; k++) { g[k] = W[k * pairs + index]; }
        // G g: rows, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
        var e : array<f32, 12>;
        for (var b = 0; b < 3; b++) {
          e[b] = g[b];
          e[3 + b] = 0.5 * (g[b] + g[3 + b] + g[6 + b]);
          e[6 + b] = 0.5 * (g[b] - g[3 + b] + g[6 + b]);
          e[9 + b] = g[6 + b];
        }
        // (G g) Gᵀ: columns.
        for (var a = 0; a < 4; a++) {
          let o = a * 3;
          setOutputAtIndex((a * 4 + 0) * pairs + index, e[o]);
          setOutputAtIndex((a * 4 + 1) * pairs + index, 0.5 * (e[o] + e[o + 1] + e[o + 2]));
          setOutputAtIndex((a * 4 + 2) * pairs + index, 0.5 * (e[o] - e[o + 1] + e[o + 2]));
          setOutputAtIndex((a * 4 + 3) * pairs + index, e[o + 2]);
        }
      }
    `;
  }
}

/** What the output transform adds to each output: a bias per channel, then ReLU. */
export interface WinogradEpilogue {
  bias?: tf.Tensor1D; // [Cout]
  relu?: boolean;
}

/** M [16, T, Cout] → y [N,H,W,Cout]: Y = Aᵀ M A per tile and channel, cut to the image, + bias, ReLU. */
class OutputTransformProgram extends FlatProgram {
  variableNames: string[];

  constructor(
    shape: readonly number[], // [N,H,W,Cout] of the output
    private readonly bias: boolean,
    private readonly relu: boolean,
  ) {
    super([...shape], `dmgrd_winograd_output_${bias}_${relu}`, tileCount(shape) * shape[3]);
    this.variableNames = bias ? ['M', 'B'] : ['M'];
  }

  getUserCode(): string {
    const bias = this.bias ? 'B[c]' : '0.0';
    const out = (v: string): string => (this.relu ? `max(${v} + bias, 0.0)` : `${v} + bias`);
    return `
      fn main(index : i32) {
        ${tilePrologue('outShape', 'uniforms.mShape[1]')}
        var m : array<f32, 16>;
        for (var p = 0; p < 16; p++) { m[p] = M[p * plane + index]; }
        // Aᵀ m: rows, Aᵀ = [1 1 1 0; 0 1 -1 -1].
        var e : array<f32, 8>;
        for (var b = 0; b < 4; b++) {
          e[b] = m[b] + m[4 + b] + m[8 + b];
          e[4 + b] = m[4 + b] - m[8 + b] - m[12 + b];
        }
        let bias = ${bias};
        // (Aᵀ m) A: columns, written where the 2×2 block is inside the image.
        for (var a = 0; a < 2; a++) {
          let r = row + a;
          if (r < h) {
            let at = ((n * h + r) * w + col) * channels + c;
            setOutputAtIndex(at, ${out('e[a * 4] + e[a * 4 + 1] + e[a * 4 + 2]')});
            if (col + 1 < w) { setOutputAtIndex(at + channels, ${out('e[a * 4 + 1] - e[a * 4 + 2] - e[a * 4 + 3]')}); }
          }
        }
      }
    `;
  }
}

/** dy [N,H,W,C] → dM [16, T, C]: dM = A dY Aᵀ, the output transform's adjoint (dY zero past the image). */
class OutputGradTransformProgram extends TilePlanesProgram {
  variableNames = ['Dy'];

  constructor(shape: readonly number[]) {
    super(shape, 'dmgrd_winograd_output_grad');
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${tilePrologue('dyShape', 'uniforms.outShape[1]')}
        // The 2×2 block of dy, zero past the image.
        var g : array<f32, 4>;
        for (var a = 0; a < 2; a++) {
          for (var b = 0; b < 2; b++) {
            var v = 0.0;
            if (row + a < h && col + b < w) { v = Dy[((n * h + row + a) * w + col + b) * channels + c]; }
            g[a * 2 + b] = v;
          }
        }
        // A dY: rows, A = [1 0; 1 1; 1 -1; 0 -1].
        var e : array<f32, 8>;
        for (var b = 0; b < 2; b++) {
          e[b] = g[b];
          e[2 + b] = g[b] + g[2 + b];
          e[4 + b] = g[b] - g[2 + b];
          e[6 + b] = -g[2 + b];
        }
        // (A dY) Aᵀ: columns.
        for (var a = 0; a < 4; a++) {
          let o = a * 2;
          setOutputAtIndex((a * 4 + 0) * plane + index, e[o]);
          setOutputAtIndex((a * 4 + 1) * plane + index, e[o] + e[o + 1]);
          setOutputAtIndex((a * 4 + 2) * plane + index, e[o] - e[o + 1]);
          setOutputAtIndex((a * 4 + 3) * plane + index, -e[o + 1]);
        }
      }
    `;
  }
}

/** dU [16, Cin, Cout] → dw [3,3,Cin,Cout]: Gᵀ dU G, the filter transform's adjoint. */
class FilterGradTransformProgram extends FlatProgram {
  variableNames = ['Du'];

  constructor(cin: number, cout: number) {
    super([3, 3, cin, cout], 'dmgrd_winograd_filter_grad', cin * cout);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        let pairs = uniforms.outShape[2] * uniforms.outShape[3];
        if (index >= pairs) { return; }
        var u : array<f32, 16>;
        for (var p = 0; p < 16; p++) { u[p] = Du[p * pairs + index]; }
        // Gᵀ dU: rows, Gᵀ = [1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1].
        var e : array<f32, 12>;
        for (var b = 0; b < 4; b++) {
          e[b] = u[b] + 0.5 * (u[4 + b] + u[8 + b]);
          e[4 + b] = 0.5 * (u[4 + b] - u[8 + b]);
          e[8 + b] = 0.5 * (u[4 + b] + u[8 + b]) + u[12 + b];
        }
        // (Gᵀ dU) G: columns.
        for (var a = 0; a < 3; a++) {
          let o = a * 4;
          setOutputAtIndex((a * 3 + 0) * pairs + index, e[o] + 0.5 * (e[o + 1] + e[o + 2]));
          setOutputAtIndex((a * 3 + 1) * pairs + index, 0.5 * (e[o + 1] - e[o + 2]));
          setOutputAtIndex((a * 3 + 2) * pairs + index, 0.5 * (e[o + 1] + e[o + 2]) + e[o + 3]);
        }
      }
    `;
  }
}

/**
 * Read at every call. `minTiles`, `minChannels`: the WASM path's thresholds (winograd.ts), below
 * which the transforms cost more than the 2.25× fewer products save; not tuned on a GPU, where
 * small convolutions are bound by the host's cost per dispatch (docs/performance.md).
 * `maxPlaneFloats`: the largest input or output planes made at once (4 bytes each); a larger batch
 * goes in groups of images that fit.
 */
export const webgpuWinogradTuning = { minTiles: 64, minChannels: 64, maxPlaneFloats: 2 ** 26 };

/** A TF.js flag, so it can be turned off for a comparison: `--tf-flags DMGRD_WEBGPU_WINOGRAD=false`. */
export const WINOGRAD_FLAG = 'DMGRD_WEBGPU_WINOGRAD';
tf.env().registerFlag(WINOGRAD_FLAG, () => true);

/** The WebGPU backend when a convolution of these shapes should go by `winogradConv3x3WebGPU`. */
export function webgpuWinogradBackend(
  x: readonly number[], // [N,H,W,Cin]
  w: readonly number[], // [K,K,Cin,Cout]
  stride: number,
  pad: number,
): WebGPUBackend | null {
  const backend = fusedBackend();
  if (!backend || w[0] !== 3 || w[1] !== 3 || stride !== 1 || pad !== 1 || !tf.env().getBool(WINOGRAD_FLAG))
    return null;
  const { minTiles, minChannels } = webgpuWinogradTuning;
  return tileCount(x) >= minTiles && Math.min(w[2], w[3]) >= minChannels ? backend : null;
}

/** Groups of images whose input and output planes each fit `maxPlaneFloats`. */
const groupsOf = (x: tf.Tensor4D, cout: number): [number, number][] =>
  imageGroups(x.shape, Math.max(x.shape[3], cout), webgpuWinogradTuning.maxPlaneFloats);

/** The forward pass: the filter's planes once (kept while scoring), then the batch in groups. */
function convolve(
  backend: WebGPUBackend,
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  relu: boolean,
): tf.Tensor4D {
  const [, h, wd] = x.shape;
  const cout = w.shape[3];
  const { value: u, kept } = cachedTransform(w, 'winograd webgpu', () =>
    runProgram<tf.Tensor3D>(backend, new FilterTransformProgram(w.shape), [w]),
  );
  const group = (xs: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const v = runProgram<tf.Tensor3D>(backend, new InputTransformProgram(xs.shape), [xs]);
      const out = new OutputTransformProgram([xs.shape[0], h, wd, cout], bias !== undefined, relu);
      return runProgram<tf.Tensor4D>(backend, out, [tf.matMul(v, u), ...(bias ? [bias] : [])]);
    });
  const groups = groupsOf(x, cout);
  const parts = groups.length === 1 ? [group(x)] : groups.map((g) => tf.tidy(() => group(imagesOf(x, g))));
  if (!kept) u.dispose();
  if (parts.length === 1) return parts[0];
  const y = tf.concat(parts, 0);
  tf.dispose(parts);
  return y;
}

/**
 * dL/dw from x and dy, in the same groups as the forward pass: Gᵀ(Σ_tiles Vᵀ·dM)G per point, one
 * batched product per group, where TF.js's Conv2DBackpropFilter on WebGPU reduces over every
 * output pixel in each invocation.
 */
function filterGradient(
  backend: WebGPUBackend,
  x: tf.Tensor4D, // [N,H,W,Cin]
  dy: tf.Tensor4D, // [N,H,W,Cout]
): tf.Tensor4D {
  const planes = (xs: tf.Tensor4D, dys: tf.Tensor4D): tf.Tensor3D =>
    tf.tidy(() => {
      const v = runProgram<tf.Tensor3D>(backend, new InputTransformProgram(xs.shape), [xs]);
      const dm = runProgram<tf.Tensor3D>(backend, new OutputGradTransformProgram(dys.shape), [dys]);
      return tf.matMul(v, dm, true, false) as tf.Tensor3D;
    });
  const groups = groupsOf(x, dy.shape[3]);
  const du =
    groups.length === 1
      ? planes(x, dy)
      : sumOfParts(groups.length, (i) => planes(imagesOf(x, groups[i]), imagesOf(dy, groups[i])));
  const dw = runProgram<tf.Tensor4D>(backend, new FilterGradTransformProgram(x.shape[3], dy.shape[3]), [du]);
  du.dispose();
  return dw;
}

/**
 * y = ReLU?(x ⊛ w + bias?), 3×3, stride 1, padding 1, by F(2×2, 3×3), with its gradients; the bias
 * and ReLU ride in the output transform, so they cost no pass of their own.
 */
export function winogradConv3x3WebGPU(
  backend: WebGPUBackend,
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [3,3,Cin,Cout]
  { bias, relu = false }: WinogradEpilogue = {},
): tf.Tensor4D {
  const parts: ConvParts = {
    forward: (x4, w4, b) => convolve(backend, x4, w4, b, relu),
    filterGradient: (x4, dy) => filterGradient(backend, x4, dy),
    stride: 1,
    pad: 1,
    relu,
  };
  return convWithGradients(parts, x, w, bias);
}
