import type { GrayImage, RgbImage } from './image';

/**
 * Resizing as the reference does it. The reference resizes in two different ways:
 *  - images fed to the networks: `cv2.resize(img / 255., (256, 256))` = INTER_LINEAR with
 *    half-pixel centres and NO antialiasing (a 900→256 reduction only reads 2×2 neighbours);
 *    `antialias: false` below (the same as PyTorch F.interpolate(bilinear, align_corners=False)).
 *  - the synthesis source, the DTD texture and the ground-truth masks: PIL `resize(BILINEAR)`
 *    (torchvision Resize on a PIL image does the same), a triangle filter whose support widens
 *    with the reduction factor, i.e. antialiased; `antialias: true` below. PIL computes 8-bit
 *    images in fixed point and rounds to uint8; this works in float and does not round.
 * On enlargement both modes give the same numbers.
 */

export interface ResizeOptions {
  /** true: PIL BILINEAR (antialiased); false: cv2 INTER_LINEAR / torch bilinear. Default false. */
  antialias?: boolean;
}

interface AxisTaps {
  /** First source index of each output sample's taps, and the tap count. */
  start: Int32Array;
  count: Int32Array;
  /** Weights, `maxTaps` per output sample. */
  weights: Float64Array;
  maxTaps: number;
}

function axisTaps(inSize: number, outSize: number, antialias: boolean): AxisTaps {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (!antialias || scale <= 1) {
    // Half-pixel centres, source position clamped to [0, inSize−1] (cv2's border handling).
    const weights = new Float64Array(outSize * 2);
    for (let i = 0; i < outSize; i++) {
      let s = (i + 0.5) * scale - 0.5;
      if (s < 0) s = 0;
      let i0 = Math.floor(s);
      let f = s - i0;
      if (i0 >= inSize - 1) {
        i0 = inSize - 1;
        f = 0;
      }
      start[i] = i0;
      count[i] = f > 0 ? 2 : 1;
      weights[i * 2] = 1 - f;
      weights[i * 2 + 1] = f;
    }
    return { start, count, weights, maxTaps: 2 };
  }
  // PIL's precompute_coeffs with the triangle filter (support 1) stretched by the scale.
  const support = scale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = xmax - xmin;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const t = Math.abs((k + xmin - center + 0.5) / scale);
      const wgt = t < 1 ? 1 - t : 0;
      weights[i * maxTaps + k] = wgt;
      total += wgt;
    }
    if (total > 0) for (let k = 0; k < n; k++) weights[i * maxTaps + k] /= total;
    start[i] = xmin;
    count[i] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Separable bilinear resize of an interleaved [h, w, channels] float array (horizontal pass
 * first, as PIL). Returns [outH, outW, channels].
 */
export function resizeBilinear(
  src: Float32Array, // [h, w, channels]
  h: number,
  w: number,
  channels: number,
  outH: number,
  outW: number,
  options: ResizeOptions = {},
): Float32Array {
  if (src.length !== h * w * channels)
    throw new Error(`resizeBilinear: expected ${h}x${w}x${channels} values`);
  if (!(outH > 0 && outW > 0)) throw new Error('resizeBilinear: output size must be positive');
  const antialias = options.antialias ?? false;
  if (h === outH && w === outW) return src.slice();
  const tx = axisTaps(w, outW, antialias);
  const ty = axisTaps(h, outH, antialias);
  const mid = new Float64Array(h * outW * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      const s = tx.start[x];
      const n = tx.count[x];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < n; k++)
          acc += tx.weights[x * tx.maxTaps + k] * src[(y * w + s + k) * channels + c];
        mid[(y * outW + x) * channels + c] = acc;
      }
    }
  }
  const out = new Float32Array(outH * outW * channels);
  const rowLen = outW * channels;
  for (let y = 0; y < outH; y++) {
    const s = ty.start[y];
    const n = ty.count[y];
    for (let k = 0; k < n; k++) {
      const wgt = ty.weights[y * ty.maxTaps + k];
      if (wgt === 0) continue;
      const srcRow = (s + k) * rowLen;
      const dstRow = y * rowLen;
      for (let i = 0; i < rowLen; i++) out[dstRow + i] += wgt * mid[srcRow + i];
    }
  }
  return out;
}

export function resizeRgb(img: RgbImage, outH: number, outW: number, options: ResizeOptions = {}): RgbImage {
  return {
    data: resizeBilinear(img.data, img.height, img.width, 3, outH, outW, options),
    height: outH,
    width: outW,
  };
}

export interface MaskResizeOptions {
  /**
   * 'bilinear' (default): PIL BILINEAR with antialiasing, as torchvision Resize treats the
   * reference's mask PNGs, then the threshold. 'nearest': the source pixel under each output
   * pixel centre (PIL NEAREST), then the threshold.
   */
  method?: 'bilinear' | 'nearest';
  /**
   * Anomalous iff value > threshold (METHOD.md: 0.5). The reference's metrics cast the soft mask
   * with astype(int), which keeps only values == 1; a threshold just under 1 mimics that.
   */
  threshold?: number;
}

/** Mask [h, w] with values in [0, 1] → binary [outH, outW] (1 = anomalous). */
export function resizeMask(
  mask: ArrayLike<number>, // [h, w] in [0, 1]
  h: number,
  w: number,
  outH: number,
  outW: number,
  options: MaskResizeOptions = {},
): Uint8Array {
  if (mask.length !== h * w) throw new Error(`resizeMask: expected ${h}x${w} values`);
  const threshold = options.threshold ?? 0.5;
  const out = new Uint8Array(outH * outW);
  if ((options.method ?? 'bilinear') === 'nearest') {
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(Math.floor(((y + 0.5) * h) / outH), h - 1);
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(Math.floor(((x + 0.5) * w) / outW), w - 1);
        out[y * outW + x] = mask[sy * w + sx] > threshold ? 1 : 0;
      }
    }
    return out;
  }
  const soft = resizeBilinear(Float32Array.from(mask), h, w, 1, outH, outW, { antialias: true });
  for (let i = 0; i < out.length; i++) out[i] = soft[i] > threshold ? 1 : 0;
  return out;
}

export function resizeGrayMask(
  mask: GrayImage,
  outH: number,
  outW: number,
  options: MaskResizeOptions = {},
): Uint8Array {
  return resizeMask(mask.data, mask.height, mask.width, outH, outW, options);
}
