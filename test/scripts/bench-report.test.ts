import { describe, expect, it } from 'vitest';
import { paperRowFor } from '../../scripts/bench/paper';
import { formatTable, type TableInput } from '../../scripts/bench/report';
import { validateConfig } from '../../src/core/config';

describe('paper row lookup', () => {
  it('gives the category row of Tables 1 and 2 for an MVTec AD folder', () => {
    const bottle = paperRowFor('bottle', ['broken_large', 'broken_small', 'contamination']);
    expect(bottle?.category).toBe('bottle');
    expect(bottle?.imageAuroc).toBe(1);
    expect(bottle?.pixelAuroc).toBeCloseTo(0.9884, 12);
    expect(bottle?.proFullRange).toBeCloseTo(0.9897, 12);
    expect(paperRowFor('metal_nut', ['flip'])?.pixelAuroc).toBeCloseTo(0.9714, 12);
    // A subset of the category's types (the full-resolution bottle subset holds only broken_large).
    expect(paperRowFor('Bottle', ['broken_large'])?.category).toBe('bottle');
  });

  it('gives none where the paper has no such category', () => {
    // Magnetic tiles sit in a folder named `tile`, but their defects are not MVTec AD tile's.
    expect(paperRowFor('tile', ['blowhole', 'break'])).toBeNull();
    expect(paperRowFor('tile', ['crack', 'oil'])?.pixelAuroc).toBeCloseTo(0.9713, 12);
    expect(paperRowFor('pcb1', ['bad'])).toBeNull();
    expect(paperRowFor('constructor', ['bad'])).toBeNull();
    expect(paperRowFor('bottle', [])).toBeNull();
  });
});

function tableInput(paper: TableInput['paper']): TableInput {
  const metric = (f1: number) => ({ f1, threshold: 0.5 });
  return {
    config: validateConfig({ model: 'rd', teacher: 'efficientnet_b0', imageSize: 64, batchSize: 4 }),
    metrics: {
      imageAuroc: 0.9,
      pixelAuroc: 0.95,
      proFullRange: 0.9,
      proMvtec03: 0.8,
      f1Image: metric(0.9),
      f1Pixel: metric(0.5),
    },
    perType: {
      blowhole: { images: 20, imageAuroc: 0.931, pixelAuroc: 0.97, proFullRange: 0.9, proMvtec03: 0.85 },
      break: { images: 20, imageAuroc: 0.5, pixelAuroc: 0.6, proFullRange: 0.5, proMvtec03: 0.4 },
    },
    paper,
    budget: null,
    timings: {
      buildMs: 0,
      startMs: 0,
      loadMs: 0,
      createSessionMs: 0,
      trainMs: 1000,
      steps: 10,
      msPerStep: 100,
      msPerStepWarm: 90,
      stepsPerSecond: 10,
      evaluateMs: 500,
      msPerImage: 12.5,
      totalMs: 2000,
    },
    memory: { peakBytes: 2 ** 20, peakBytesInGPU: null, peakTensors: 10, samples: [] },
    backend: { backend: 'wasm' },
  };
}

describe('bench table', () => {
  it('prints each defect type and no paper column without a paper row', () => {
    const text = formatTable(tableInput(null));
    expect(text).not.toMatch(/paper/);
    expect(text).toMatch(/^ {2}blowhole \(20\): I-AUROC % +93\.10$/m);
    expect(text).toMatch(/^ {2}break: P-AUROC % +60\.00$/m);
    expect(text).toMatch(/^I-AUROC % +90\.00$/m);
  });

  it('prints the paper column beside the run where the category has a row', () => {
    const text = formatTable(tableInput(paperRowFor('bottle', ['contamination'])));
    expect(text).toMatch(/this run +paper bottle \(WRN50\)$/m);
    expect(text).toMatch(/^P-AUROC % +95\.00 +98\.84$/m);
    expect(text).toMatch(/^PRO % \(FPR 0-1, reference\) +90\.00 +98\.97$/m);
  });
});
