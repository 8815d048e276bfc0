/**
 * Trapezoidal integral with an optional upper limit, as the MVTec AD evaluation code's `trapezoid`:
 * non-finite points are dropped; when `xMax` is not itself a sample, y is interpolated linearly at xMax
 * and the partial trapezoid up to it is added to the sum over the points with x <= xMax.
 */
export function trapezoid(
  x: ArrayLike<number>, // [n], non-decreasing when xMax is given
  y: ArrayLike<number>, // [n]
  xMax?: number,
): number {
  if (x.length !== y.length) throw new Error(`x (${x.length}) and y (${y.length}) differ in length`);
  let xs = x;
  let ys = y;
  let allFinite = true;
  for (let i = 0; i < x.length && allFinite; i++) allFinite = Number.isFinite(x[i]) && Number.isFinite(y[i]);
  if (!allFinite) {
    const fx: number[] = [];
    const fy: number[] = [];
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
        fx.push(x[i]);
        fy.push(y[i]);
      }
    }
    xs = fx;
    ys = fy;
  }
  const n = xs.length;
  let correction = 0;
  // With sorted x, the points with x <= xMax are the prefix before bisect_right(x, xMax).
  let end = n;
  if (xMax !== undefined) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[mid] <= xMax) lo = mid + 1;
      else hi = mid;
    }
    end = lo;
    if (!(end > 0 && xs[end - 1] === xMax)) {
      if (!(end > 0 && end < n)) throw new Error(`xMax ${xMax} outside the sampled x range`);
      const x0 = xs[end - 1];
      const y0 = ys[end - 1];
      const yInterp = y0 + ((ys[end] - y0) * (xMax - x0)) / (xs[end] - x0);
      correction = 0.5 * (yInterp + y0) * (xMax - x0);
    }
  }
  let sum = 0;
  for (let i = 1; i < end; i++) sum += 0.5 * (ys[i] + ys[i - 1]) * (xs[i] - xs[i - 1]);
  return sum + correction;
}
