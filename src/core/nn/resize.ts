import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './matmul';

/**
 * Bilinear resizing with PyTorch's `align_corners=True` sampling (`src = dst * (in-1)/(out-1)`),
 * written as two small interpolation-matrix products instead of the ResizeBilinear kernel. A matmul
 * and its gradient exist on every TF.js backend and the result does not depend on a backend's own
 * resize kernel (whose align-corners and half-pixel conventions differ between versions).
 */

/** Row-major [outSize, inSize] matrix A with out = A · in along one axis (align_corners=True). */
export function alignCornersMatrix(inSize: number, outSize: number): Float32Array {
  const a = new Float32Array(outSize * inSize);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let i = 0; i < outSize; i++) {
    const src = i * scale;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const frac = src - i0;
    a[i * inSize + i0] += 1 - frac;
    a[i * inSize + i1] += frac;
  }
  return a;
}

/**
 * Resizes NHWC maps to (outH, outW) bilinearly with align_corners=True. Differentiable w.r.t. `x`
 * everywhere (the interpolation matrices are constants, so only their products' x-gradients are taken).
 */
export function resizeBilinearAlignCorners(
  x: tf.Tensor4D, // [N,H,W,C]
  outH: number,
  outW: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    let y: tf.Tensor = x;
    if (outH !== h) {
      // [1,outH,H] x [N,H,W*C]: the batch dimension of the matrix broadcasts.
      const ah = tf.tensor3d(alignCornersMatrix(h, outH), [1, outH, h]);
      y = batchMatMul(ah, tf.reshape(y, [n, h, w * c]));
    }
    if (outW !== w) {
      // [1,outW,W] x [N*outH,W,C]
      const aw = tf.tensor3d(alignCornersMatrix(w, outW), [1, outW, w]);
      y = batchMatMul(aw, tf.reshape(y, [n * outH, w, c]));
    }
    return (y === x ? tf.clone(x) : tf.reshape(y, [n, outH, outW, c])) as tf.Tensor4D;
  });
}

/** `nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)` on NHWC maps. */
export function upsample2xAlignCorners(x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  return resizeBilinearAlignCorners(x, x.shape[1] * 2, x.shape[2] * 2);
}
