import * as tf from '@tensorflow/tfjs';

/**
 * 2-D convolution with PyTorch semantics: symmetric zero padding `pad`, square stride, NHWC input,
 * HWIO filter. TF.js' WASM backend has no Conv2DBackpropFilter kernel, so on WASM the filter
 * gradient is computed here as one im2col matmul (the K*K shifted input views concatenated along
 * channels, times the output gradient); other backends use their native kernels.
 */
export function conv2d(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  stride = 1,
  pad = 0,
  bias?: tf.Tensor1D, // [Cout]
): tf.Tensor4D {
  // The CPU backend has the kernel but it is ~100x slower than the matmul form (20 s for one 3x3
  // 512->512 filter gradient on a 4x4 map), which would make gradient tests take minutes.
  const backend = tf.getBackend();
  const y =
    backend === 'wasm' || backend === 'cpu'
      ? conv2dMatmulGrad(x, w, stride, pad)
      : tf.conv2d(x, w, stride, pad);
  return bias ? tf.add(y, bias) : y;
}

function conv2dMatmulGrad(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  // customGrad's typing passes inputs and `save` in one rest list.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, stride, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const dx = tf.conv2dTranspose(dy4, ws, xs.shape, stride, pad);
        return [dx, filterGrad(xs, dy4, ws.shape, stride, pad)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/** dL/dW[kh,kw,ci,co] = sum over n,i,j of xpad[n, i*s+kh, j*s+kw, ci] * dy[n,i,j,co]. */
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
    const xp =
      pad > 0
        ? tf.pad(x, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ])
        : x;
    const cols: tf.Tensor[] = [];
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) {
        const end = [n, kh + stride * (ho - 1) + 1, kw + stride * (wo - 1) + 1, cin];
        cols.push(tf.stridedSlice(xp, [0, kh, kw, 0], end, [1, stride, stride, 1]));
      }
    }
    const patches = tf.reshape(cols.length === 1 ? cols[0] : tf.concat(cols, 3), [n * ho * wo, k * k * cin]);
    const g = tf.matMul(patches, tf.reshape(dy, [n * ho * wo, cout]), true, false);
    return tf.reshape(g, [k, k, cin, cout]);
  });
}
