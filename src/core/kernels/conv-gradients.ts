import * as tf from '@tensorflow/tfjs';

/** A convolution whose forward pass and filter gradient are the caller's own (WebGPU). */
export interface ConvParts {
  /** ReLU?(x ⊛ w + bias?), [N,Ho,Wo,Cout]. */
  forward: (x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D | undefined) => tf.Tensor4D;
  /** dL/dw from x and the gradient before the ReLU, [K,K,Cin,Cout]. */
  filterGradient: (x: tf.Tensor4D, dy: tf.Tensor4D) => tf.Tensor4D;
  stride: number;
  pad: number;
  /** Whether `forward` applies a ReLU: its output is then kept to mask the gradient. */
  relu: boolean;
}

/**
 * `parts.forward(x, w, bias)` as one op with its gradients: the input gradient is TF.js's
 * Conv2DBackpropInput, the filter gradient `parts.filterGradient`, the bias gradient Σ dy.
 */
export function convWithGradients(
  parts: ConvParts,
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [K,K,Cin,Cout]
  bias?: tf.Tensor1D, // [Cout]
): tf.Tensor4D {
  const { forward, filterGradient, stride, pad, relu } = parts;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [x4, w4, b] = args.slice(0, -1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D | undefined];
    const y = forward(x4, w4, b);
    save(relu ? [x4, w4, y] : [x4, w4]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D?];
        const g = (ys ? tf.mul(dy, tf.step(ys)) : dy) as tf.Tensor4D;
        const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape: xs.shape };
        const dx = tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy: g, filter: ws },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor4D;
        const dw = filterGradient(xs, g);
        return b ? [dx, dw, tf.sum(g, [0, 1, 2])] : [dx, dw];
      },
    };
  });
  return (bias ? op(x, w, bias) : op(x, w)) as tf.Tensor4D;
}
