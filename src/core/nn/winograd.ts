import * as tf from '@tensorflow/tfjs';
import {
  registerWinogradKernels,
  winogradFilter,
  winogradFilterGrad,
  winogradInput,
  winogradOutput,
  winogradOutputGrad,
  type Layout,
} from '../kernels/winograd';
import { cachedTransform } from '../kernels/filter-cache';
import { imageGroups, tileCount } from '../kernels/winograd-tiles';
import { product, sumOfParts } from './matmul';

/**
 * A 3×3 convolution at stride 1 with padding 1 by Winograd's F(2×2, 3×3): each 2×2 block of output
 * from a 4×4 tile of input takes 16 products per channel pair where a direct convolution takes 36,
 * so the matmuls, which are nearly all of the time, shrink 2.25×. The transforms are one pass each
 * (src/core/kernels/winograd.ts). The 16 products of a tile's points, over all tiles and channels,
 * are plain matmuls: [T, Cin]·[Cin, Cout] per point.
 *
 * The gradients are Winograd too: the input gradient is the same convolution of dy with the filter
 * turned by 180° and its channels swapped (whose transform is a reordering of the filter's), the
 * filter gradient Gᵀ(Σ_tiles Vᵀ·dM)G per point. For WASM and CPU, whose convolution gradients are
 * ours (conv.ts); the error against a direct convolution is a few float32 roundings.
 */
export function winogradConv3x3(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [3,3,Cin,Cout]
): tf.Tensor4D {
  registerWinogradKernels();
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    return {
      value: convolve(x4, w4, false),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [convolve(dy as tf.Tensor4D, ws, true), filterGradient(xs, dy as tf.Tensor4D)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/**
 * Read at every call, so tests can move them. Measured with the SIMD transforms (Node, one thread,
 * forward / forward and both gradients):
 * - `minTiles`: tiles (N·⌈H/2⌉·⌈W/2⌉) from which `conv2d` takes this path; below it the filter's
 *   transform and packing, made on every call, cost more than the products save ([1,8,8,512] ×
 *   [3,3,512,512], 16 tiles: 7 → 10 ms forward). Past 2²⁰ channel pairs a direct convolution is
 *   bound by packing its filter, and a quarter as many pay ([1,8,8,2048] × 2048²: 258 → 190 ms).
 * - `minChannels`: the fewest input or output channels it takes. The transforms cost per channel
 *   what the products save per channel pair: 64 channels still gain ([1,64,64,64] × [3,3,64,64]
 *   8 → 6 / 28 → 24 ms; with the JS transforms they lost, 223 → 257 ms at batch 8), fewer are not
 *   measured and no network here has them.
 * - `planeBudget`: floats of filter planes made at once; the transform of a [3,3,2048,2048] filter
 *   is 268 MB, so output channels go in chunks whose planes fit, each chunk's output transformed
 *   on its own.
 * - `groupBudget`: floats of input or output planes made at once; the batch goes in groups of
 *   images whose planes fit, as they are 4× the tensor they come from.
 */
export const winogradTuning = { minTiles: 64, minChannels: 64, planeBudget: 2 ** 24, groupBudget: 2 ** 23 };

/** Whether a convolution of these shapes goes by `winogradConv3x3`. */
export function takesWinograd(
  x: readonly number[], // [N,H,W,Cin]
  w: readonly number[], // [K,K,Cin,Cout]
  stride: number,
  pad: number,
): boolean {
  if (w[0] !== 3 || w[1] !== 3 || stride !== 1 || pad !== 1) return false;
  const { minTiles, minChannels } = winogradTuning;
  const tiles = w[2] * w[3] >= 2 ** 20 ? minTiles / 4 : minTiles;
  return Math.min(w[2], w[3]) >= minChannels && tileCount(x) >= tiles;
}

/** Images `start`…`start + count` of x. */
export function imagesOf(x: tf.Tensor4D, [start, count]: [number, number]): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  return tf.slice(x, [start, 0, 0, 0], [count, h, w, c]);
}

/** Channel chunks of `total` whose 16 planes with `other` channels fit the budget. */
function chunks(total: number, other: number): [number, number][] {
  const size = Math.min(total, Math.max(8, 8 * Math.floor(winogradTuning.planeBudget / (16 * other * 8))));
  return Array.from({ length: Math.ceil(total / size) }, (_, i) => [
    i * size,
    Math.min(size, total - i * size),
  ]);
}

/**
 * x convolved with w, or (`rotated`) with w turned by 180° and its channels swapped. The product's
 * packed right-hand side is the filter's planes ('rows') or the input's ('cols'), whichever is
 * smaller: XNNPACK packs it on every call, and with few tiles the filter dwarfs the input.
 */
function convolve(
  x: tf.Tensor4D, // [N,H,W,C]
  w: tf.Tensor4D, // [3,3,Cin,Cout]; C = Cin, or Cout when rotated
  rotated: boolean,
): tf.Tensor4D {
  const outChannels = rotated ? w.shape[2] : w.shape[3];
  const groups = imageGroups(x.shape, Math.max(x.shape[3], outChannels), winogradTuning.groupBudget);
  if (groups.length === 1) return convolveGroup(x, w, rotated);
  const parts = groups.map((g) => tf.tidy(() => convolveGroup(imagesOf(x, g), w, rotated)));
  const y = tf.concat(parts, 0);
  tf.dispose(parts);
  return y;
}

function convolveGroup(x: tf.Tensor4D, w: tf.Tensor4D, rotated: boolean): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const outChannels = rotated ? w.shape[2] : w.shape[3];
  const layout: Layout = tileCount(x.shape) < outChannels ? 'cols' : 'rows';
  const v = winogradInput(x, layout);
  try {
    const parts = chunks(outChannels, c).map(([start, size]) =>
      tf.tidy(() => {
        const spec = { rotated, major: layout === 'rows' ? 'in' : 'out', start, size } as const;
        const key = `winograd ${rotated} ${spec.major} ${start} ${size}`;
        const u = cachedTransform(w, key, () => winogradFilter(w, spec)).value; // tidy frees it unless kept
        const m = u.map((up, p) => (layout === 'rows' ? product(v[p], up) : product(up, v[p])));
        return winogradOutput(m, layout, [n, h, wd, size]);
      }),
    );
    if (parts.length === 1) return parts[0];
    const y = tf.concat(parts, 3);
    tf.dispose(parts);
    return y;
  } finally {
    tf.dispose(v);
  }
}

/**
 * dL/dw [3,3,Cin,Cout] = Gᵀ(Vᵀ·dM)G per point, by chunks of input channels, summed over groups of
 * images. V is transformed again from the saved input rather than kept from the forward pass: it
 * is 4× the input, and the tape holds it for the whole step.
 */
function filterGradient(
  x: tf.Tensor4D, // [N,H,W,Cin]
  dy: tf.Tensor4D, // [N,H,W,Cout]
): tf.Tensor4D {
  const groups = imageGroups(x.shape, Math.max(x.shape[3], dy.shape[3]), winogradTuning.groupBudget);
  if (groups.length === 1) return filterGradientGroup(x, dy);
  return sumOfParts(groups.length, (i) =>
    filterGradientGroup(imagesOf(x, groups[i]), imagesOf(dy, groups[i])),
  );
}

function filterGradientGroup(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const [cin, cout] = [x.shape[3], dy.shape[3]];
  const tiles = tileCount(x.shape);
  const v = winogradInput(x, 'cols');
  const dm = winogradOutputGrad(dy, 'rows');
  try {
    const parts = chunks(cin, cout).map(([start, size]) =>
      tf.tidy(() =>
        winogradFilterGrad(
          v.map((vp, p) =>
            product(size === cin ? vp : (tf.slice(vp, [start, 0], [size, tiles]) as tf.Tensor2D), dm[p]),
          ),
        ),
      ),
    );
    if (parts.length === 1) return parts[0];
    const dw = tf.concat(parts, 2);
    tf.dispose(parts);
    return dw;
  } finally {
    tf.dispose([...v, ...dm]);
  }
}
