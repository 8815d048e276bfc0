import * as tf from '@tensorflow/tfjs';
import { convWithGradients, type ConvParts } from '../kernels/conv-gradients';
import { fusedKernelsOn } from '../kernels/webgpu';
import { padRowsCols } from './pad';

/**
 * Convolutions on WebGPU that Winograd does not take (1×1, strided, small): TF.js's fused
 * convolution forward and input gradient, with the filter gradient as products. TF.js's WebGPU
 * Conv2DBackpropFilter reduces over every output pixel inside each invocation and ran at
 * 0.7–2.2 TFLOP/s on an H200, 72–78 % of a training step's GPU time, where its matmul ran at
 * 16–21 (docs/performance.md); per filter tap, dW[tap] = x_tapᵀ · dy is one matmul whose transposed
 * operand the matmul shader reads in place.
 */

/** A TF.js flag, so a GPU run can compare: `--tf-flags DMGRD_WEBGPU_PRODUCT_FILTER_GRAD=false`. */
export const PRODUCT_FILTER_GRAD_FLAG = 'DMGRD_WEBGPU_PRODUCT_FILTER_GRAD';
tf.env().registerFlag(PRODUCT_FILTER_GRAD_FLAG, () => true);

/** y = x ⊛ w (+ bias), PyTorch padding; on WebGPU, with the filter gradient by products. */
export function conv2dWebGPU(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  stride: number,
  pad: number,
  bias?: tf.Tensor1D, // [Cout]
): tf.Tensor4D {
  if (!fusedKernelsOn() || !tf.env().getBool(PRODUCT_FILTER_GRAD_FLAG))
    return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias });
  const parts: ConvParts = {
    forward: (x4, w4, b) => tf.fused.conv2d({ x: x4, filter: w4, strides: stride, pad, bias: b }),
    filterGradient: (x4, dy) => filterGradByProducts(x4, dy, w.shape, stride, pad),
    stride,
    pad,
    relu: false,
  };
  return convWithGradients(parts, x, w, bias);
}

/** dW[kh,kw] = Σ_{n,i,j} xpad[n, i·s+kh, j·s+kw, :]ᵀ · dy[n,i,j,:], a [Cin,Cout] product per tap. */
export function filterGradByProducts(
  x: tf.Tensor4D, // [N,H,W,Cin]
  dy: tf.Tensor4D, // [N,Ho,Wo,Cout]
  [k, , cin, cout]: readonly number[], // [K,K,Cin,Cout]
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, ho, wo] = dy.shape;
    const rows = n * ho * wo;
    const xp = padRowsCols(x, pad);
    const d = tf.reshape(dy, [rows, cout]) as tf.Tensor2D;
    const taps: tf.Tensor2D[] = [];
    for (let t = 0; t < k * k; t++) {
      const [kh, kw] = [Math.floor(t / k), t % k];
      // The whole input at a 1×1 stride-1 tap: no copy.
      const whole = k === 1 && stride === 1 && xp.shape[1] === ho && xp.shape[2] === wo;
      const view = whole
        ? xp
        : tf.stridedSlice(
            xp,
            [0, kh, kw, 0],
            [n, kh + (ho - 1) * stride + 1, kw + (wo - 1) * stride + 1, cin],
            [1, stride, stride, 1],
          );
      taps.push(tf.matMul(tf.reshape(view, [rows, cin]) as tf.Tensor2D, d, true, false));
    }
    return tf.reshape(taps.length === 1 ? taps[0] : tf.stack(taps), [k, k, cin, cout]) as tf.Tensor4D;
  });
}
