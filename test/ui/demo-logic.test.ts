import { describe, expect, it } from 'vitest';
import { parseDemoParams, DEMO_BUDGET_SECONDS } from '../../src/ui/demo/demo-params';
import {
  framesPerSecond,
  greyBase,
  heatOverlayRgba,
  maskContour,
  maskContrast,
  overlayColour,
  overlayFloor,
  ownScale,
  pickHighlights,
} from '../../src/ui/demo/heatmap';
import { cameraErrorMessage } from '../../src/ui/demo/camera-errors';

describe('demo URL parameters', () => {
  it('auto-loads by default, not with ?demo=0, not under automation unless demo=1', () => {
    expect(parseDemoParams('').autoLoad).toBe(true);
    expect(parseDemoParams('?backend=wasm').autoLoad).toBe(true);
    expect(parseDemoParams('?demo=0').autoLoad).toBe(false);
    expect(parseDemoParams('?automation=1').autoLoad).toBe(false);
    expect(parseDemoParams('?automation=1&demo=1').autoLoad).toBe(true);
  });

  it('reads kiosk, camera and the run overrides, ignoring invalid ones', () => {
    const p = parseDemoParams('?kiosk=1&camera=1&demoSteps=3&demoSize=64&demoSeconds=20');
    expect(p).toMatchObject({
      kiosk: true,
      camera: true,
      budgetSeconds: 20,
      preset: { steps: 3, imageSize: 64 },
    });
    const bad = parseDemoParams('?demoSteps=-2&demoSize=abc&demoSeconds=0');
    expect(bad.preset).toEqual({});
    expect(bad.budgetSeconds).toBe(DEMO_BUDGET_SECONDS);
    expect(parseDemoParams('?demoSize=100').preset.imageSize).toBe(96);
  });
});

describe('heat-map colouring', () => {
  it('ramps from red-purple to pale yellow, never grey, and clamps', () => {
    const [r0, g0, b0] = overlayColour(0);
    expect(r0).toBeGreaterThan(g0 + 60); // reddish purple
    expect(b0).toBeGreaterThan(g0);
    const [r1, g1, b1] = overlayColour(1);
    expect(Math.min(r1, g1)).toBeGreaterThan(240); // pale yellow
    expect(b1).toBeLessThan(200);
    expect(overlayColour(-3)).toEqual(overlayColour(0));
    expect(overlayColour(7)).toEqual(overlayColour(1));
    for (let u = 0; u <= 1; u += 0.125) {
      const [r, g, b] = overlayColour(u);
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(60);
    }
  });

  it('leaves pixels below the threshold uncoloured and colours the rest, more opaque when higher', () => {
    const map = Float32Array.of(0, 0.39, 0.4, 0.7, 1);
    const rgba = heatOverlayRgba(map, { min: 0, max: 1, threshold: 0.4 }, { minAlpha: 0.5, maxAlpha: 1 });
    const alpha = [3, 7, 11, 15, 19].map((i) => rgba[i]);
    expect(alpha[0]).toBe(0);
    expect(alpha[1]).toBe(0);
    expect(alpha[2]).toBe(128);
    expect(alpha[3]).toBeGreaterThan(alpha[2]);
    expect(alpha[4]).toBe(255);
    expect([...rgba.slice(16, 19)]).toEqual(overlayColour(1));
  });

  it('starts the ramp at the bottom of the range when the threshold is missing or outside it', () => {
    expect(overlayFloor({ min: 1, max: 2 })).toBe(1);
    expect(overlayFloor({ min: 1, max: 2, threshold: 5 })).toBe(1);
    expect(overlayFloor({ min: 1, max: 2, threshold: 1.5 })).toBe(1.5);
  });

  it('greys and dims the base image so no surface colour reads as heat', () => {
    const orange = Uint8ClampedArray.of(230, 140, 60, 255, 0, 0, 0, 255);
    const g = greyBase(orange);
    expect(g[0]).toBe(g[1]);
    expect(g[1]).toBe(g[2]);
    expect(g[0]).toBeLessThan(110);
    expect(g[4]).toBeGreaterThan(0); // black stays distinguishable from the canvas
    expect(g[3]).toBe(255);
  });

  it('colours the upper half of a frame without an evaluation', () => {
    expect(ownScale(Float32Array.of(2, 5, 3))).toEqual({ min: 2, max: 5, threshold: 3.5 });
    const flat = ownScale(Float32Array.of(1, 1));
    expect(flat.max).toBeGreaterThan(flat.min);
  });
});

describe('ground-truth outline', () => {
  it('draws a closed outline around a square, through the border pixels’ centres', () => {
    const size = 6;
    const mask = new Uint8Array(size * size);
    for (let y = 2; y < 4; y++) for (let x = 2; x < 4; x++) mask[y * size + x] = 1;
    const segs = maskContour(mask, size);
    // Every end point is shared by exactly two segments: the outline is closed.
    const ends = new Map<string, number>();
    for (const [x0, y0, x1, y1] of segs)
      for (const k of [`${x0},${y0}`, `${x1},${y1}`]) ends.set(k, (ends.get(k) ?? 0) + 1);
    expect([...ends.values()].every((n) => n === 2)).toBe(true);
    const xs = segs.flatMap(([x0, , x1]) => [x0, x1]);
    const ys = segs.flatMap(([, y0, , y1]) => [y0, y1]);
    expect(Math.min(...xs)).toBe(2);
    expect(Math.max(...xs)).toBe(4);
    expect(Math.min(...ys)).toBe(2);
    expect(Math.max(...ys)).toBe(4);
  });

  it('closes a region that touches the image border along the border, and is empty without one', () => {
    const size = 4;
    const mask = new Uint8Array(size * size);
    mask[0] = 1;
    const segs = maskContour(mask, size);
    for (const s of segs) for (const v of s) expect(v).toBeGreaterThanOrEqual(0);
    expect(segs.length).toBe(4);
    expect(maskContour(new Uint8Array(16), 4)).toEqual([]);
    expect(maskContour(new Uint8Array(16).fill(1), 4).length).toBeGreaterThan(0);
  });

  it('measures the map inside and outside a mask', () => {
    const c = maskContrast(Float32Array.of(1, 3, 0, 0), Uint8Array.of(1, 1, 0, 0));
    expect(c).toEqual({ inside: 2, outside: 0 });
  });
});

describe('result highlights', () => {
  it('shows the highest-scoring defects, then the calmest good image', () => {
    const scores = [0.1, 0.9, 0.05, 0.7, 0.8, 0.3];
    const labels = [0, 1, 0, 1, 1, 0];
    expect(pickHighlights(scores, labels, 3)).toEqual([1, 4, 2]);
    expect(pickHighlights(scores, labels, 10)).toEqual([1, 4, 3, 2]);
    expect(pickHighlights([0.5], [1], 3)).toEqual([0]);
  });
});

describe('frame rate and camera errors', () => {
  it('counts frames per second over completion times', () => {
    expect(framesPerSecond([])).toBe(0);
    expect(framesPerSecond([100])).toBe(0);
    expect(framesPerSecond([0, 250, 500, 750, 1000])).toBeCloseTo(4);
  });

  it('explains a denied permission and a missing camera', () => {
    expect(cameraErrorMessage(new DOMException('x', 'NotAllowedError'))).toMatch(/permission was denied/);
    expect(cameraErrorMessage(new DOMException('x', 'NotFoundError'))).toMatch(/No camera was found/);
    expect(cameraErrorMessage(new Error('boom'))).toMatch(/boom/);
  });
});
