import * as tf from '@tensorflow/tfjs';
import { hasSlowGradKernels, LARGE_OPERAND, product, sumOfParts } from './matmul';
import { conv2dWebGPU } from './conv-webgpu';
import { padRowsCols } from './pad';
import { takesWinograd, winogradConv3x3 } from './winograd';
import { webgpuWinogradBackend, winogradConv3x3WebGPU } from '../kernels/winograd-webgpu';

/**
 * 2-D convolution with PyTorch semantics: symmetric zero padding `pad`, square stride, NHWC input,
 * HWIO filter.
 *
 * On WASM (and CPU) the backward pass is written here with forward convolutions and plain matmuls,
 * the two kernels XNNPACK makes fast: TF.js 4.22's WASM backend has no Conv2DBackpropFilter at all,
 * and its Conv2DBackpropInput and transposed matmuls are scalar loops, ~10x slower than a forward
 * conv of the same FLOPs (measured in docs/performance.md). WebGL uses its native kernels (fused with the
 * bias); WebGPU takes its 3×3 convolutions by Winograd (kernels/winograd-webgpu.ts) and computes
 * the other convolutions' filter gradients by products (conv-webgpu.ts).
 */
export function conv2d(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  stride = 1,
  pad = 0,
  bias?: tf.Tensor1D, // [Cout]
): tf.Tensor4D {
  const gpu = webgpuWinogradBackend(x.shape, w.shape, stride, pad);
  if (gpu) return winogradConv3x3WebGPU(gpu, x, w, { bias });
  if (tf.getBackend() === 'webgpu') return conv2dWebGPU(x, w, stride, pad, bias);
  if (!hasSlowGradKernels()) return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias });
  return tf.tidy(() => {
    const y = conv2dFastGrad(x, w, stride, pad);
    return bias ? tf.add(y, bias) : y;
  });
}

function conv2dFastGrad(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (takesWinograd(x.shape, w.shape, stride, pad)) return winogradConv3x3(x, w);
  const transient = transientFilterUsers > 0 || wideReduction(w.shape);
  if (transient && w.shape[0] === 1 && stride === 1 && pad === 0) return pointwiseConv(x, w);
  // customGrad's typing passes inputs and `save` in one rest list.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    return {
      value: transient ? convWithTransientFilter(x4, w4, stride, pad) : tf.conv2d(x4, w4, stride, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        return [inputGrad(dy4, ws, xs.shape, stride, pad), filterGrad(xs, dy4, ws.shape, stride, pad)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/**
 * A 1×1 convolution with a transient filter, as products. TF.js's WASM Conv2D transposes every
 * filter it has not seen from HWIO to OHWI in a scalar loop before XNNPACK packs it, where its
 * matmul packs the [Cin, Cout] layout directly: [2,8,8,1024] × [1,1,1024,2048] with a new filter
 * 34.1 ms as a convolution, 17.2 ms as a product (12.2 ms with the packed filter kept; Node, one
 * thread). Every product's right-hand side is a fresh tensor, so no packed copy outlives the call.
 */
function pointwiseConv(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    const [n, h, wd, cin] = x4.shape;
    const cout = w4.shape[3];
    const rows = (t: tf.Tensor, c: number) => tf.reshape(t, [n * h * wd, c]) as tf.Tensor2D;
    const filter = (t: tf.Tensor) => tf.reshape(t, [cin, cout]) as tf.Tensor2D;
    return {
      // A real copy: Identity shares storage.
      value: tf.tidy(() =>
        tf.reshape(product(rows(x4, cin), tf.add(filter(w4), tf.scalar(0))), [n, h, wd, cout]),
      ) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return tf.tidy(() => [
          tf.reshape(product(rows(dy, cout), tf.transpose(filter(ws))), xs.shape),
          tf.reshape(product(tf.transpose(rows(xs, cin)), rows(dy, cout)), ws.shape),
        ]);
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

let transientFilterUsers = 0;

/**
 * Runs `f` with every convolution of the fast-gradient path (WASM, CPU) using a transient copy of its
 * filter. XNNPACK keeps a packed copy of each filter it has convolved with until that filter's
 * storage is freed; weights being trained live through the whole step, so one forward pass would
 * leave a second copy of every trained weight in the 4 GiB WASM heap until the update (WRN50 DM-GRD:
 * 0.8 GB). With a transient filter the packed copy goes at once. The trainer wraps the part of a
 * step that convolves with the weights it updates; nothing reusable is lost, as they change every
 * step. Frozen weights (the teacher) outside `f` keep their packed copies.
 */
export async function withTransientFilters<T>(f: () => Promise<T>): Promise<T> {
  transientFilterUsers += 1;
  try {
    return await f();
  } finally {
    transientFilterUsers -= 1;
  }
}

/**
 * Whether inference, too, convolves with a transient filter: by taps up to `convTuning.tapRows`
 * output rows, otherwise split by `convSplitReduction`. Measured on WRN50 DM-GRD (Node, one
 * thread, 256 px): the MSFF's 1024–2048-channel filters, split, run 1.5–1.75× faster, which pays
 * for repacking them on every call at batch 1 (5.75 → 5.39 s per image) and more so at batch 8
 * (ResNet50 in Chromium: 2.78 → 2.21 s per image); by taps, batch 1 ran 4.85 s. Not keeping their
 * packed copies takes 0.9 GB off the heap's high-water mark (3.43 → 2.53 GB at batch 1), which lets
 * WRN50 at batch 8 fit. Keeping the split slices between calls ran 10 % faster at batch 1 but
 * added their 0.45 GB.
 */
function wideReduction([k, , cin]: readonly number[]): boolean {
  return k > 1 && cin >= 4 * SPLIT_CHANNELS;
}

/** A convolution with a copy of `w`, so XNNPACK's packed copy is freed with it (see below). */
function convWithTransientFilter(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const [k, , cin, cout] = w.shape;
  const [n, h, wd] = x.shape;
  const out = (size: number) => Math.floor((size + 2 * pad - k) / stride) + 1;
  // A strided tap is picked by a pass over the whole input: [2,64,64,256] × [3,3,256,256] at
  // stride 2 (2048 rows) took 62 ms by taps against 54 as a convolution, so half the rows there.
  if (k > 1 && n * out(h) * out(wd) * Math.min(stride, 2) <= convTuning.tapRows)
    return tf.tidy(() =>
      convByTaps(
        padRowsCols(x, pad),
        k,
        stride,
        // Slices are copies, so each tap's packed copy goes with it.
        (kh, kw) => tf.reshape(tf.slice(w, [kh, kw, 0, 0], [1, 1, cin, cout]), [cin, cout]) as tf.Tensor2D,
      ),
    );
  return convSplitReduction(
    x,
    k,
    cout,
    (c, size) =>
      // A real copy even when whole: Identity shares storage.
      size === cin ? tf.add(w, tf.scalar(0)) : tf.slice(w, [0, 0, c, 0], [k, k, size, cout]),
    stride,
    pad,
  );
}

/**
 * conv(x, W) as Σ over slices of x's channels of conv(x[…, slice], W[:, :, slice, :]), where
 * `filterFor(start, size)` makes each slice's filter, which is freed after its convolution: XNNPACK
 * keeps a packed copy of a filter as long as the filter lives, and streams the whole reduction
 * K = kh·kw·Cin per output tile, which past a few thousand floats falls out of the core's cache.
 * 256-channel slices ran 1.2–1.6× faster for 1024–2048 channels (Node, one thread:
 * [2,32,32,1024] × [3,3,1024,1024] 1530 → 1035 ms, [8,16,16,2048] × 2048² 6746 → 4273 ms, filter
 * copy and packing included), and no more than one slice's filter is alive at a time. A 1×1
 * convolution is a product whose packed filter slows it down past `LARGE_OPERAND` floats
 * (`product` in matmul.ts): [8,16,16,2048] × [1,1,2048,3072] ran at 30 GFLOP/s whole; its
 * slices are 512 channels, as the sums of the wide outputs cost more with more of them.
 */
function convSplitReduction(
  x: tf.Tensor4D, // [N,H,W,C]
  k: number,
  outChannels: number,
  filterFor: (start: number, size: number) => tf.Tensor4D, // [k,k,size,Cout]
  stride: number,
  pad: number | 'valid',
): tf.Tensor4D {
  const [n, h, w, channels] = x.shape;
  const step =
    k > 1
      ? channels >= 2 * SPLIT_CHANNELS
        ? SPLIT_CHANNELS
        : channels
      : channels * outChannels > LARGE_OPERAND && channels >= 4 * SPLIT_CHANNELS
        ? 2 * SPLIT_CHANNELS
        : channels;
  return sumOfParts(Math.ceil(channels / step), (i) => {
    const [c, size] = [i * step, Math.min(step, channels - i * step)];
    const xs = size === channels ? x : tf.slice(x, [0, 0, 0, c], [n, h, w, size]);
    return tf.conv2d(xs, filterFor(c, size), stride, pad);
  });
}

/** Input channels per partial convolution when a reduction is split. */
const SPLIT_CHANNELS = 256;

/**
 * A 'valid' convolution of an already padded input as Σ over the filter's taps of the shifted (and
 * strided) input, as rows, times that tap's [C, Cout] filter, from `tapFilter(kh, kw)`: a fresh
 * tensor each time, so no packed copy outlives its product. With few output rows, packing a new
 * filter costs as much as convolving with it, and TF.js's WASM Conv2D first transposes the filter
 * in a scalar loop; a matmul packs the [C, Cout] layout directly. Measured against 256-channel
 * slices of a convolution (Node, one thread, filters new on every call): [1,16,16,2048] ×
 * [3,3,2048,2048] 716 → 587 ms, [2,8,8,1024] × [3,3,1024,1024] 112 → 80 ms, [8,16,16,1024] ×
 * [3,3,1024,1024] 904 → 869 ms, at stride 2 [2,16,16,1024] × [3,3,1024,1024] 112 → 81 ms; with
 * 8192 rows the convolution won ([8,32,32,256] × [3,3,256,256] 212 against 229 ms), hence
 * `convTuning.tapRows`.
 */
function convByTaps(
  xp: tf.Tensor4D, // [N,Hp,Wp,C]
  k: number,
  stride: number,
  tapFilter: (kh: number, kw: number) => tf.Tensor2D, // [C,Cout]
): tf.Tensor4D {
  const [n, hp, wp, c] = xp.shape;
  const [ho, wo] = [Math.floor((hp - k) / stride) + 1, Math.floor((wp - k) / stride) + 1];
  const sum = sumOfParts(k * k, (t) => {
    const [kh, kw] = [Math.floor(t / k), t % k];
    const view =
      stride === 1 ? tf.slice(xp, [0, kh, kw, 0], [n, ho, wo, c]) : pickTap(xp, k, stride, t, ho, wo);
    return product(tf.reshape(view, [n * ho * wo, c]) as tf.Tensor2D, tapFilter(kh, kw));
  });
  return tf.reshape(sum, [n, ho, wo, sum.shape[1]]);
}

/**
 * Output rows (N·Ho·Wo) up to which `convByTaps` replaces a convolution with a transient filter.
 * Read at every call, so tests can send small shapes down the other path.
 */
export const convTuning = { tapRows: 2048 };

/**
 * dL/dx as a forward convolution: the output gradient, dilated by the stride (zeros between rows
 * and columns) and padded by K-1-pad, convolved with the filter rotated by 180° and with its
 * in/out channels swapped. Rows of x that no output window reached get zero gradient via `extra`.
 */
export function inputGrad(
  dy: tf.Tensor4D, // [N,Ho,Wo,Cout]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  xShape: [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, wd] = xShape;
    const [k, , cin, cout] = w.shape;
    const [, ho, wo] = dy.shape;
    let d: tf.Tensor4D = dy;
    if (stride > 1) {
      // [N,Ho,1,Wo,1,C] padded to [N,Ho,s,Wo,s,C] puts s-1 zeros after every value.
      const spread = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, cout]), [
        [0, 0],
        [0, 0],
        [0, stride - 1],
        [0, 0],
        [0, stride - 1],
        [0, 0],
      ]);
      d = tf.slice(
        tf.reshape(spread, [n, ho * stride, wo * stride, cout]) as tf.Tensor4D,
        [0, 0, 0, 0],
        [n, (ho - 1) * stride + 1, (wo - 1) * stride + 1, cout],
      );
    }
    const edge = k - 1 - pad;
    const extraH = h - ((ho - 1) * stride + k - 2 * pad);
    const extraW = wd - ((wo - 1) * stride + k - 2 * pad);
    const padded = tf.pad(d, [
      [0, 0],
      [edge, edge + extraH],
      [edge, edge + extraW],
      [0, 0],
    ]);
    // The rotated filter is made slice by slice of its reduction (the output channels), for this
    // call only: the whole of it is never alive. With few rows, tap by tap: the rotation is then
    // only the order of the taps.
    const dx =
      k > 1 && n * h * wd <= convTuning.tapRows
        ? convByTaps(
            padded,
            k,
            1,
            (kh, kw) =>
              tf.transpose(
                tf.reshape(tf.slice(w, [k - 1 - kh, k - 1 - kw, 0, 0], [1, 1, cin, cout]), [cin, cout]),
              ) as tf.Tensor2D,
          )
        : convSplitReduction(
            padded,
            k,
            cin,
            (c, size) => rotatedFilter(size === cout ? w : tf.slice(w, [0, 0, 0, c], [k, k, cin, size])),
            1,
            'valid',
          );
    if (dx.shape[3] !== cin) throw new Error('inputGrad: channel mismatch');
    return dx;
  });
}

/**
 * The filter turned by 180° with in/out channels swapped, [K,K,Cin,Cout] → [K,K,Cout,Cin]. The tap
 * reversal is a product with a K²×K² anti-identity: TF.js 4.22's WASM Reverse moves ~40 M floats/s,
 * a quarter of a WRN50 training step, where XNNPACK's matmul does the same in a third of the time.
 */
function rotatedFilter(w: tf.Tensor4D): tf.Tensor4D {
  const [k, , cin, cout] = w.shape;
  const swapped = tf.transpose(w, [0, 1, 3, 2]);
  if (k === 1) return swapped;
  const taps = k * k;
  const reverse = new Float32Array(taps * taps);
  for (let t = 0; t < taps; t++) reverse[t * taps + taps - 1 - t] = 1;
  const flipped = tf.matMul(tf.tensor2d(reverse, [taps, taps]), tf.reshape(swapped, [taps, cout * cin]));
  return tf.reshape(flipped, [k, k, cout, cin]);
}

/**
 * dL/dW[kh,kw,ci,co] = Σ_{n,i,j} xpad[n, i·s+kh, j·s+kw, ci] · dy[n,i,j,co]: per filter tap one
 * plain matmul of the shifted input view, channels first ([Cin, N·Ho·Wo]), with the output
 * gradient ([N·Ho·Wo, Cout]), so no matmul needs a transposed operand.
 */
export function filterGrad(
  x: tf.Tensor4D, // [N,H,W,Cin]
  dy: tf.Tensor4D, // [N,Ho,Wo,Cout]
  wShape: [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, , cin, cout] = wShape;
    const [n, ho, wo] = dy.shape;
    const xp = padRowsCols(x, pad);
    const view = stride === 1 ? unitStrideViews(xp, k, ho, wo) : stridedViews(xp, k, stride, ho, wo);
    const d = tf.reshape(dy, [n * ho * wo, cout]) as tf.Tensor2D;
    const taps: tf.Tensor[] = [];
    for (let t = 0; t < k * k; t++) {
      // Each view is a copy as large as the input: one at a time.
      const v = view(t);
      taps.push(product(tf.reshape(v, [cin, n * ho * wo]) as tf.Tensor2D, d));
      v.dispose();
    }
    return tf.reshape(tf.stack(taps), [k, k, cin, cout]);
  });
}

/** Tap t's input view [Cin,N,Ho,Wo] at stride 1: one transpose up front, then plain slices. */
function unitStrideViews(xp: tf.Tensor4D, k: number, ho: number, wo: number): (t: number) => tf.Tensor {
  const xt = tf.transpose(xp, [3, 0, 1, 2]); // [Cin,N,Hp,Wp]
  const [cin, n] = xt.shape;
  return (t) => tf.slice(xt, [0, 0, Math.floor(t / k), t % k], [cin, n, ho, wo]);
}

/** Tap t's input view [Cin,N,Ho,Wo] at stride > 1, channels first (see `pickTap`). */
function stridedViews(
  xp: tf.Tensor4D,
  k: number,
  stride: number,
  ho: number,
  wo: number,
): (t: number) => tf.Tensor {
  return (t) => tf.tidy(() => tf.transpose(pickTap(xp, k, stride, t, ho, wo), [3, 0, 1, 2]));
}

/**
 * Tap t's input view [N,Ho,Wo,C] at stride > 1, picked out by a depthwise convolution whose K×K
 * filter is one-hot at the tap: XNNPACK runs it ~8x faster than WASM's StridedSlice does the same.
 */
function pickTap(xp: tf.Tensor4D, k: number, stride: number, t: number, ho: number, wo: number): tf.Tensor4D {
  const [n, , , cin] = xp.shape;
  return tf.tidy(() => {
    const oneHot = new Float32Array(k * k * cin);
    oneHot.fill(1, t * cin, (t + 1) * cin);
    const picked = tf.depthwiseConv2d(xp, tf.tensor4d(oneHot, [k, k, cin, 1]), stride, 'valid');
    const exact = picked.shape[1] === ho && picked.shape[2] === wo;
    return exact ? picked : tf.slice(picked, [0, 0, 0, 0], [n, ho, wo, cin]);
  });
}
