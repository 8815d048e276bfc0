// Colour maps for anomaly heat maps, as 256-entry RGB lookup tables. jet is the piecewise-linear
// MATLAB / OpenCV map; viridis and inferno are interpolated from matplotlib's published anchors
// (every 1/8 of the range, plus extra anchors where inferno bends sharply).

export const COLORMAPS = ['jet', 'viridis', 'inferno'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

type Anchor = readonly [t: number, r: number, g: number, b: number];

const VIRIDIS: readonly Anchor[] = [
  [0.0, 0.267004, 0.004874, 0.329415],
  [0.125, 0.282623, 0.140926, 0.457517],
  [0.25, 0.229739, 0.322361, 0.545706],
  [0.375, 0.172719, 0.448791, 0.557885],
  [0.5, 0.127568, 0.566949, 0.550556],
  [0.625, 0.157851, 0.683765, 0.501686],
  [0.75, 0.369214, 0.788888, 0.382914],
  [0.875, 0.678489, 0.863742, 0.189503],
  [1.0, 0.993248, 0.906157, 0.143936],
];

const INFERNO: readonly Anchor[] = [
  [0.0, 0.001462, 0.000466, 0.013866],
  [0.125, 0.087411, 0.044556, 0.224813],
  [0.25, 0.258234, 0.038571, 0.406485],
  [0.375, 0.416331, 0.090203, 0.432943],
  [0.5, 0.578304, 0.148039, 0.404411],
  [0.625, 0.735683, 0.215906, 0.330245],
  [0.75, 0.865006, 0.316822, 0.226055],
  [0.875, 0.954506, 0.468744, 0.099874],
  [0.9375, 0.9836, 0.6, 0.02],
  [1.0, 0.988362, 0.998364, 0.644924],
];

function interpolate(anchors: readonly Anchor[], t: number): [number, number, number] {
  let i = 1;
  while (i < anchors.length - 1 && anchors[i][0] < t) i++;
  const [t0, r0, g0, b0] = anchors[i - 1];
  const [t1, r1, g1, b1] = anchors[i];
  const f = t1 === t0 ? 0 : (t - t0) / (t1 - t0);
  return [r0 + (r1 - r0) * f, g0 + (g1 - g0) * f, b0 + (b1 - b0) * f];
}

function jet(t: number): [number, number, number] {
  const ramp = (x: number): number => Math.min(1, Math.max(0, x));
  return [ramp(1.5 - Math.abs(4 * t - 3)), ramp(1.5 - Math.abs(4 * t - 2)), ramp(1.5 - Math.abs(4 * t - 1))];
}

const cache = new Map<ColormapName, Uint8ClampedArray>();

/** RGB bytes [256*3]: entry k is the colour of the normalised value k/255. */
export function colormapLut(name: ColormapName): Uint8ClampedArray {
  const hit = cache.get(name);
  if (hit) return hit;
  const lut = new Uint8ClampedArray(256 * 3);
  for (let k = 0; k < 256; k++) {
    const t = k / 255;
    const rgb = name === 'jet' ? jet(t) : interpolate(name === 'viridis' ? VIRIDIS : INFERNO, t);
    lut[k * 3] = Math.round(rgb[0] * 255);
    lut[k * 3 + 1] = Math.round(rgb[1] * 255);
    lut[k * 3 + 2] = Math.round(rgb[2] * 255);
  }
  cache.set(name, lut);
  return lut;
}

/** CSS gradient of a map, for legends. */
export function colormapGradient(name: ColormapName, stops = 9): string {
  const lut = colormapLut(name);
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const k = Math.round((s / (stops - 1)) * 255);
    parts.push(
      `rgb(${lut[k * 3]}, ${lut[k * 3 + 1]}, ${lut[k * 3 + 2]}) ${((s / (stops - 1)) * 100).toFixed(1)}%`,
    );
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
