/** How F(2×2, 3×3) cuts an [N,H,W,C] tensor into tiles: shared by the JS and SIMD kernels. */

/** Tiles of an N×H×W input. */
export function tileCount([n, h, w]: readonly number[]): number {
  return n * Math.ceil(h / 2) * Math.ceil(w / 2);
}

/** Groups of images [start, count] of an [N,H,W,·] batch whose 16 planes of `channels` fit `budget` floats. */
export function imageGroups(
  [n, h, w]: readonly number[],
  channels: number,
  budget: number,
): [number, number][] {
  const perImage = 16 * tileCount([1, h, w]) * channels;
  const size = Math.min(n, Math.max(1, Math.floor(budget / perImage)));
  return Array.from({ length: Math.ceil(n / size) }, (_, i) => [i * size, Math.min(size, n - i * size)]);
}

/**
 * Calls `visit(t, offsets)` for every tile, with the storage offset of each of the tile's k×k
 * positions in an [N,H,W,C] tensor at `origin` (−1 for the top-left padding), or −1 where the
 * position falls outside.
 */
export function forEachTile(
  [n, h, w, c]: readonly number[],
  k: number,
  origin: number,
  visit: (t: number, offsets: Int32Array) => void,
): void {
  const th = Math.ceil(h / 2);
  const tw = Math.ceil(w / 2);
  const offsets = new Int32Array(k * k);
  let t = 0;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < th; i++)
      for (let j = 0; j < tw; j++, t++) {
        for (let a = 0; a < k; a++)
          for (let e = 0; e < k; e++) {
            const y = 2 * i + a + origin;
            const x = 2 * j + e + origin;
            offsets[a * k + e] = y >= 0 && y < h && x >= 0 && x < w ? ((b * h + y) * w + x) * c : -1;
          }
        visit(t, offsets);
      }
}
