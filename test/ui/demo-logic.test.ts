import { describe, expect, it } from 'vitest';
import { parseDemoParams, DEMO_BUDGET_SECONDS } from '../../src/ui/demo/demo-params';
import {
  framesPerSecond,
  heatColour,
  heatmapRgba,
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
  it('runs from black to pale yellow and clamps', () => {
    expect(heatColour(0)).toEqual([0, 0, 4]);
    expect(heatColour(1)).toEqual([252, 255, 164]);
    expect(heatColour(-3)).toEqual(heatColour(0));
    expect(heatColour(7)).toEqual(heatColour(1));
  });

  it('makes low values see-through and high values opaque', () => {
    const map = Float32Array.of(0, 0.2, 0.5, 1);
    const rgba = heatmapRgba(map, { min: 0, max: 1, threshold: 0.4 }, 1);
    const alpha = [3, 7, 11, 15].map((i) => rgba[i]);
    expect(alpha[0]).toBe(0);
    expect(alpha[1]).toBeLessThan(0.36 * 255);
    expect(alpha[2]).toBeGreaterThan(0.5 * 255);
    expect(alpha[3]).toBe(255);
    expect(alpha).toEqual([...alpha].sort((a, b) => a - b));
  });

  it('scales a frame by its own range when no evaluation exists', () => {
    expect(ownScale(Float32Array.of(2, 5, 3))).toEqual({ min: 2, max: 5 });
    const flat = ownScale(Float32Array.of(1, 1));
    expect(flat.max).toBeGreaterThan(flat.min);
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
