/**
 * Connected components of binary masks, as `scipy.ndimage.label` finds them: 8-connectivity is its
 * 3x3 all-ones structuring element (the PRO reference), 4-connectivity its default cross.
 */

export type Connectivity = 4 | 8;

/** Components of one H×W mask. */
export interface Components {
  /** [H*W] component id per pixel (1..count, raster order of first pixel), 0 = background. */
  labels: Int32Array;
  count: number;
  /** [count + 1] pixels per component; sizes[0] is the background pixel count. */
  sizes: Int32Array;
}

/** Labels the foreground (`mask > 0`, so soft 0.5 edges belong to the defect) of one H×W mask. */
export function connectedComponents(
  mask: ArrayLike<number>, // [H*W] row-major
  h: number,
  w: number,
  connectivity: Connectivity = 8,
): Components {
  if (mask.length !== h * w) throw new Error(`mask length ${mask.length} != ${h}x${w}`);
  const labels = new Int32Array(h * w);
  const sizes = [0];
  const count = labelInto(mask, 0, h, w, connectivity, labels, 1, new Int32Array(h * w), sizes);
  let fg = 0;
  for (let k = 1; k <= count; k++) fg += sizes[k];
  sizes[0] = h * w - fg;
  return { labels, count, sizes: Int32Array.from(sizes) };
}

/**
 * Labels the H×W mask at `mask[maskOffset ..]` into `out[0 .. H*W)` (which must be zero there) with ids
 * firstId, firstId+1, ...; appends each component's size to `sizes`. `stack` is scratch of ≥ H*W.
 * Returns the number of components. Flood fill: every pixel is pushed at most once.
 */
export function labelInto(
  mask: ArrayLike<number>,
  maskOffset: number,
  h: number,
  w: number,
  connectivity: Connectivity,
  out: Int32Array | Uint32Array,
  firstId: number,
  stack: Int32Array,
  sizes: number[],
): number {
  const diag = connectivity === 8;
  let id = firstId;
  for (let p = 0; p < h * w; p++) {
    if (!(mask[maskOffset + p] > 0) || out[p] !== 0) continue;
    out[p] = id;
    let top = 0;
    stack[top++] = p;
    let size = 0;
    while (top > 0) {
      const q = stack[--top];
      size++;
      const y = (q / w) | 0;
      const x = q - y * w;
      const y0 = y > 0 ? y - 1 : 0;
      const y1 = y < h - 1 ? y + 1 : h - 1;
      const x0 = x > 0 ? x - 1 : 0;
      const x1 = x < w - 1 ? x + 1 : w - 1;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          if (!diag && yy !== y && xx !== x) continue;
          const r = yy * w + xx;
          if (out[r] === 0 && mask[maskOffset + r] > 0) {
            out[r] = id;
            stack[top++] = r;
          }
        }
      }
    }
    sizes.push(size);
    id++;
  }
  return id - firstId;
}
