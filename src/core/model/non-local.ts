import * as tf from '@tensorflow/tfjs';
import { batchNorm } from '../nn/batchnorm';
import { conv2d } from '../nn/conv';
import { batchNormParams, convDefault } from '../nn/init';
import { batchMatMul, hasSlowGradKernels } from '../nn/matmul';
import type { Mode, Scope } from '../nn/params';
import { maxPool2x2 } from '../nn/pool';

/**
 * NONLocalBlock2D of the reference (dot-product form, sub_sample=True, bn_layer=True) on NHWC maps.
 * State-dict names under the block's scope: `g.0.*`, `theta.*`, `phi.0.*` (1x1 convs C -> C/2),
 * `W.0.*` (1x1 conv C/2 -> C) and `W.1.*` (BatchNorm2d(C), initialised to weight = bias = 0, so a
 * fresh block is the identity).
 */

/** Inter channels as the reference picks them: C/2, at least 1. */
export function nonLocalInterChannels(c: number): number {
  return Math.max(1, Math.floor(c / 2));
}

/** Parameters of one block with PyTorch's default init; `seed` makes them reproducible. */
export function createNonLocal(s: Scope, c: number, seed: number): void {
  const inter = nonLocalInterChannels(c);
  conv1x1Params(s, 'g.0', c, inter, seed);
  conv1x1Params(s, 'theta', c, inter, seed + 2);
  conv1x1Params(s, 'phi.0', c, inter, seed + 4);
  conv1x1Params(s, 'W.0', inter, c, seed + 6);
  batchNormParams(s, 'W.1', c, true);
}

function conv1x1Params(s: Scope, name: string, cin: number, cout: number, seed: number): void {
  convDefault(s, name, 1, cin, cout, false, seed);
  // Own seed for the bias: convDefault would reuse the weight's stream and copy its first row.
  const bound = 1 / Math.sqrt(cin);
  s.store.addParam(s.name(`${name}.bias`), tf.randomUniform([cout], -bound, bound, 'float32', seed + 1));
}

function conv1x1(s: Scope, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return conv2d(x, s.get(`${name}.weight`) as tf.Tensor4D, 1, 0, s.get(`${name}.bias`) as tf.Tensor1D);
}

/**
 * z = W(y) + x with y = (θ φᵀ / P') g: θ per position, φ and g max-pooled 2x2 (P' pooled positions),
 * no softmax. Computed as θ (φᵀ g / P'), the same product re-associated, so the [P, P'] affinity is
 * never materialised (for WRN50's first level that is 4096 x 1024 per image, and ~6x the FLOPs).
 */
export function nonLocalForward(
  s: Scope,
  x: tf.Tensor4D, // [N,H,W,C]
  mode: Mode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const theta = conv1x1(s, 'theta', x); // [N,H,W,I]
    const inter = theta.shape[3];
    const phi = maxPool2x2(conv1x1(s, 'phi.0', x)); // [N,H/2,W/2,I]
    const g = maxPool2x2(conv1x1(s, 'g.0', x));
    const pooled = phi.shape[1] * phi.shape[2];
    const phiFlat = tf.reshape(phi, [n, pooled, inter]) as tf.Tensor3D;
    const gFlat = tf.reshape(g, [n, pooled, inter]) as tf.Tensor3D;
    // φᵀg [N,I,I]: WASM's transposed matmul is a scalar loop, so it gets φᵀ made; elsewhere the
    // matmul reads φ transposed in place.
    const phiTg = hasSlowGradKernels()
      ? batchMatMul(tf.transpose(phiFlat, [0, 2, 1]), gFlat)
      : tf.matMul(phiFlat, gFlat, true, false);
    const kv = tf.div(phiTg, pooled) as tf.Tensor3D;
    const y = batchMatMul(tf.reshape(theta, [n, h * w, inter]) as tf.Tensor3D, kv); // [N,P,I]
    return batchNorm(s.sub('W').sub('1'), conv1x1(s, 'W.0', tf.reshape(y, [n, h, w, inter])), mode, {
      residual: x,
    });
  });
}
