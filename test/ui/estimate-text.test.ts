import { describe, expect, it } from 'vitest';
import { runSeconds, type StepTiming } from '../../src/core/perf/run-time';
import { presetConfig } from '../../src/core/presets';
import { FORM_STORAGE_KEY, type KeyValueStorage } from '../../src/state/config-draft';
import { loadPreset } from '../../src/state/preset-choice';
import { estimateLine, formatAbout, gradNormCostLine, presetLine } from '../../src/ui/train/estimate-text';
import type { TrainingProbe } from '../../workers/engine-api';

const probe = (t: StepTiming, steps = 3): TrainingProbe => ({
  ...t,
  backend: 'wasm',
  teacherMs: 0,
  banksMs: t.setupMs,
  warmupMs: t.stepMs * 2,
  stepsMs: Array.from({ length: steps }, () => t.stepMs),
  teacherWeights: 'served',
});

describe('what the Train panel says about time', () => {
  it('rounds durations for prose', () => {
    expect(formatAbout(45)).toBe('45 s');
    expect(formatAbout(600)).toBe('10 min');
    expect(formatAbout(28 * 3600 + 53 * 60 + 5)).toBe('28 h 53 min');
  });

  it('gives a timed preset’s minutes and steps here once measured, its assumption before', () => {
    const t: StepTiming = { setupMs: 10_000, stepMs: 1810, gradStepMs: 2350 };
    const measured = presetConfig('standard', { timing: t });
    const line = presetLine('standard', measured, t, 'wasm');
    expect(line).toBe(`Standard: about 10 min here, ${measured.steps} steps (1.81 s per step on wasm).`);
    expect(runSeconds(t, measured)).toBeLessThanOrEqual(600);
    const before = presetLine('quick', presetConfig('quick'), null, null);
    expect(before).toMatch(
      /^Quick: \d+ steps, about 2 min at 0\.45 s per step \(WASM, 2 cores\) until this device is measured\.$/,
    );
  });

  it('gives Paper’s length here', () => {
    const paper = presetConfig('paper');
    const t: StepTiming = { setupMs: 60_000, stepMs: 20_600, gradStepMs: 30_000 };
    expect(presetLine('paper', paper, t, 'wasm')).toBe(
      `Paper: 5000 steps, batch 8, 256 px, resnet50: about ${formatAbout(runSeconds(t, paper))} here.`,
    );
    expect(formatAbout(runSeconds(t, paper))).toMatch(/^2[89] h \d+ min$/);
    expect(presetLine('paper', paper, null, null)).toBe('Paper: 5000 steps, batch 8, 256 px, resnet50.');
  });

  it('breaks the estimate down, says what it was measured from, or why it was not', () => {
    const config = { ...presetConfig('quick'), steps: 100, gradNormEvery: 25 };
    const t: StepTiming = { setupMs: 3_000, stepMs: 2_000, gradStepMs: 4_000 };
    // 3 s + 100 × 2 s + 4 norm steps × 2 s + 32 statistics batches × 0.3 × 2 s = 230.2 s
    expect(estimateLine(config, { kind: 'measured', probe: probe(t, 1) })).toBe(
      'About 3:50 on this device (setup 0:03, 100 steps × 2.00 s, gradient norms every 25 steps +4.0 %, ' +
        'final BatchNorm statistics 0:19; measured on wasm from 1 step after a warm-up).',
    );
    expect(
      estimateLine(
        { ...config, gradNormEvery: 0, statsBatches: 0 },
        { kind: 'measured', probe: { ...probe(t), teacherWeights: 'random' } },
      ),
    ).toBe(
      'About 3:23 on this device (setup 0:03, 100 steps × 2.00 s; measured on wasm from 3 steps after a warm-up, ' +
        'teacher timed with random weights).',
    );
    // The live maps may add a tenth of the training time (not of the setup): 3 s + 1.1 × 227.2 s.
    expect(estimateLine(config, { kind: 'measured', probe: probe(t, 1) }, 0.1)).toBe(
      'About 4:13 on this device (setup 0:03, 100 steps × 2.00 s, gradient norms every 25 steps +4.0 %, ' +
        'final BatchNorm statistics 0:19, live maps at most +10 %; measured on wasm from 1 step after a warm-up).',
    );
    expect(estimateLine(config, { kind: 'declined', backend: 'wasm', reason: 'it would not fit.' })).toBe(
      'Not measured on wasm: it would not fit.',
    );
  });

  it('prices the gradient norms next to their field', () => {
    const t: StepTiming = { setupMs: 0, stepMs: 2_000, gradStepMs: 3_000 };
    expect(gradNormCostLine(t, 25)).toBe(
      'Adds 2.0 % to the run here (a measuring step takes 3.00 s against 2.00 s).',
    );
    expect(gradNormCostLine(t, 1)).toBe(
      'Adds 50 % to the run here (a measuring step takes 3.00 s against 2.00 s).',
    );
    expect(gradNormCostLine(t, 0)).toBe(
      'Off. Every 25 steps would add 2.0 % here (a measuring step takes 3.00 s against 2.00 s).',
    );
    expect(gradNormCostLine(null, 25)).toBeNull();
  });
});

describe('the preset across reloads', () => {
  class MapStorage implements KeyValueStorage {
    readonly items = new Map<string, string>();
    getItem(key: string): string | null {
      return this.items.get(key) ?? null;
    }
    setItem(key: string, value: string): void {
      this.items.set(key, value);
    }
  }

  it('is the default on a first visit, the stored one after, Custom for a form stored without one', () => {
    const storage = new MapStorage();
    expect(loadPreset(storage)).toBe('standard');
    storage.setItem(FORM_STORAGE_KEY, '{}');
    expect(loadPreset(storage)).toBe('custom');
    storage.setItem('dmgrd-playground.preset.v1', 'quick');
    expect(loadPreset(storage)).toBe('quick');
    storage.setItem('dmgrd-playground.preset.v1', 'fastest');
    expect(loadPreset(storage)).toBe('custom');
  });
});
