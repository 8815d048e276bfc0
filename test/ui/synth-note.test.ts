import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { blendAnomaly } from '../../src/core/synth/anomaly';
import { BlendNote } from '../../src/ui/synthetic/BlendNote';

const text = (): string =>
  renderToStaticMarkup(createElement(BlendNote))
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');

describe('the Synthetic tab says what its pictures show', () => {
  it('the blend keeps the Fourier mix inside the Perlin mask and scales it by 2−β outside', () => {
    // The behaviour the note describes: one pixel with the mask on, one with it off.
    const fm = Float32Array.of(0.2, 0.4, 0.6, 0.2, 0.4, 0.6);
    const beta = 0.3;
    const out = blendAnomaly(fm, Uint8Array.of(1, 0), beta);
    for (let c = 0; c < 3; c++) {
      expect(out[c]).toBeCloseTo(fm[c], 6);
      expect(out[3 + c]).toBeCloseTo((2 - beta) * fm[3 + c], 6);
    }
  });

  it('the note says the same, and no longer that the texture is blended in where the mask is on', () => {
    const note = text();
    expect(note).toContain('Where the Perlin mask is on (white) that is FM unchanged');
    expect(note).toContain('where it is off (black) it is (2−β)·FM');
    expect(note).toContain(
      'So the visible anomaly is the image outside the mask, and no texture is pasted into it',
    );
    expect(note).not.toMatch(/blended in \(opacity β\) where/);
  });
});
