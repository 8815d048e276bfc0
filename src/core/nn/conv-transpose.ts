import * as tf from '@tensorflow/tfjs';
import { cachedTransform, wouldKeep } from '../kernels/filter-cache';
import { hasSlowGradKernels, matMul } from './matmul';
import type { Scope } from './params';

/**
 * ConvTranspose2d(kernel 2, stride 2, no padding, no bias): every input pixel writes its own 2x2
 * output block, so out[n,2i+a,2j+b,o] = Σ_c x[n,i,j,c]·W[c,a,b,o] is one matmul plus a reshape.
 * Written that way (not tf.conv2dTranspose) because the filter gradient of conv2dTranspose is a
 * Conv2DBackpropFilter, which the WASM backend lacks; matmul/reshape/transpose have gradients on
 * every backend (the matmul's without transposed products on WASM, see matmul.ts).
 *
 * Weight layout: [in, kh, kw, out] = [Cin, 2, 2, Cout]. PyTorch stores ConvTranspose2d weights as
 * [in, out, kh, kw]; torch-weights.ts converts.
 */
export function convTranspose2x2(
  x: tf.Tensor4D, // [N,H,W,Cin]
  w: tf.Tensor4D, // [Cin,2,2,Cout]
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, wd, cin] = x.shape;
    const cout = w.shape[3];
    if (w.shape[0] !== cin || w.shape[1] !== 2 || w.shape[2] !== 2) {
      throw new Error(`convTranspose2x2: weight [${w.shape.join(',')}] does not fit input channels ${cin}`);
    }
    const rows = tf.reshape(x, [n * h * wd, cin]) as tf.Tensor2D;
    if (transposedPays(w, n * h * wd)) {
      const { value: wt } = cachedTransform(w, 'transposed', () =>
        tf.transpose(tf.reshape(w, [cin, 4 * cout])),
      );
      const yt = matMul(wt as tf.Tensor2D, tf.transpose(rows) as tf.Tensor2D); // [(a,b,o), NHW]
      // [a, (b,o), N*H, W] -> [N*H, a, W, (b,o)]: the same reshuffle as below, from the other side.
      const t = tf.transpose(tf.reshape(yt, [2, 2 * cout, n * h, wd]), [2, 0, 3, 1]);
      return tf.reshape(t, [n, 2 * h, 2 * wd, cout]);
    }
    const y = matMul(rows, tf.reshape(w, [cin, 4 * cout])); // [NHW, (a,b,o)]
    // [N*H, W, a, (b,o)] -> [N*H, a, W, (b,o)]: rows 2i+a, columns 2j+b.
    const t = tf.transpose(tf.reshape(y, [n * h, wd, 2, 2 * cout]), [0, 2, 1, 3]);
    return tf.reshape(t, [n, 2 * h, 2 * wd, cout]);
  });
}

/** Rows up to which scoring on WASM computes the product transposed (see `transposedPays`). */
const TRANSPOSED_ROWS = 256;

/**
 * Whether to compute yᵀ = Wᵀ·xᵀ with Wᵀ kept in the filter cache: scoring on WASM with few input
 * rows and a wide filter. XNNPACK packs a product's right-hand side and streams it past every few
 * rows; the decoder's first upsampling at batch 1, [64,2048]·[2048,4096], is split into four
 * fresh [512,4096] slices (matmul.ts `product`), each packed again on every call. Transposed, the
 * packed side is the small xᵀ and the kept Wᵀ is read once.
 */
function transposedPays(w: tf.Tensor4D, rows: number): boolean {
  const floats = w.size;
  return (
    hasSlowGradKernels() &&
    rows <= TRANSPOSED_ROWS &&
    floats > rows * w.shape[0] &&
    wouldKeep(w, 'transposed', floats)
  );
}

/**
 * PyTorch's default ConvTranspose2d init: kaiming_uniform(a=√5) on the [in,out,kh,kw] weight, whose
 * fan_in is computed from dim 1 (out·kh·kw), i.e. U(-b, b) with b = 1/√(out·4).
 */
export function convTransposeDefault(s: Scope, name: string, cin: number, cout: number, seed?: number): void {
  const bound = 1 / Math.sqrt(cout * 4);
  s.store.addParam(s.name(name), tf.randomUniform([cin, 2, 2, cout], -bound, bound, 'float32', seed));
}
