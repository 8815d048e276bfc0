import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, defaultConfig, validateConfig, type TrainConfig } from '../../src/core/config';
import {
  normCostFraction,
  normSteps,
  runSeconds,
  secondsLeft,
  STATS_BATCH_STEP_SHARE,
  stepsWithin,
  timingKey,
  type StepTiming,
} from '../../src/core/perf/run-time';
import {
  DEFAULT_PRESET,
  MIN_PRESET_STEPS,
  PRESET_NAMES,
  PRESETS,
  paperTeacher,
  presetConfig,
} from '../../src/core/presets';

const timing = (stepMs: number, gradStepMs: number | null = null, setupMs = 0): StepTiming => ({
  setupMs,
  stepMs,
  gradStepMs,
});

describe('run time from a probe', () => {
  it('counts the steps that measure the norms (1, 1 + every, …)', () => {
    expect(normSteps(100, 25)).toBe(4);
    expect(normSteps(101, 25)).toBe(5);
    expect(normSteps(1, 25)).toBe(1);
    expect(normSteps(100, 1)).toBe(100);
    expect(normSteps(100, 0)).toBe(0);
  });

  it('adds setup, the steps and the norm steps’ extra time', () => {
    const t = timing(2000, 3000, 10_000);
    // 10 s + 100 × 2 s + 4 norm steps × 1 s extra
    expect(runSeconds(t, { steps: 100, gradNormEvery: 25 })).toBeCloseTo(214, 9);
    expect(runSeconds(t, { steps: 100, gradNormEvery: 0 })).toBeCloseTo(210, 9);
    // The final BatchNorm statistics: 20 forward passes at STATS_BATCH_STEP_SHARE of a step each.
    expect(runSeconds(t, { steps: 100, gradNormEvery: 0, statsBatches: 20 })).toBeCloseTo(
      210 + (20 * 2000 * STATS_BATCH_STEP_SHARE) / 1000,
      9,
    );
    // Not timed: no extra assumed (the estimate says the norms were not measured).
    expect(runSeconds(timing(2000, null, 0), { steps: 10, gradNormEvery: 1 })).toBeCloseTo(20, 9);
    expect(normCostFraction(t, 25)).toBeCloseTo(0.02, 9);
    expect(normCostFraction(t, 1)).toBeCloseTo(0.5, 9);
    expect(normCostFraction(t, 0)).toBe(0);
  });

  it('fits the most steps into a budget, and no more', () => {
    for (const stepMs of [37, 450, 1810, 4999]) {
      for (const every of [0, 1, 25]) {
        for (const statsBatches of [0, 32]) {
          const t = timing(stepMs, stepMs * 2.1, 9000);
          const extras = { gradNormEvery: every, statsBatches };
          const steps = stepsWithin(600, t, extras, 1);
          expect(runSeconds(t, { ...extras, steps })).toBeLessThanOrEqual(600);
          expect(runSeconds(t, { ...extras, steps: steps + 1 })).toBeGreaterThan(600);
        }
      }
    }
    // The setup alone is over budget: the minimum still trains.
    expect(stepsWithin(10, timing(1000, null, 60_000), { gradNormEvery: 0 }, 10)).toBe(10);
  });

  it('says what is left of a running run', () => {
    expect(secondsLeft(100, 400, 2)).toBe(150);
    expect(secondsLeft(400, 400, 2)).toBe(0);
    expect(secondsLeft(10, 400, 0)).toBeNull();
  });

  it('keys timings by the options a step’s time depends on, and the backend', () => {
    const a = defaultConfig();
    expect(timingKey({ ...a, steps: 7, lr: 0.001, seed: 3, gradNormEvery: 0 }, 'wasm')).toBe(
      timingKey(a, 'wasm'),
    );
    expect(timingKey(a, 'webgpu')).not.toBe(timingKey(a, 'wasm'));
    expect(timingKey({ ...a, batchSize: 4 }, 'wasm')).not.toBe(timingKey(a, 'wasm'));
    expect(timingKey({ ...a, paperSelect: true }, 'wasm')).not.toBe(timingKey(a, 'wasm'));
  });
});

describe('presets', () => {
  it('are valid configurations, and the form opens with Standard', () => {
    expect(DEFAULT_PRESET).toBe('standard');
    for (const name of PRESET_NAMES) {
      const c = presetConfig(name);
      expect(validateConfig(c)).toEqual(c);
      expect(c.gradNormEvery).toBe(25);
    }
  });

  it('Quick and Standard fit their minutes at the measured time per step', () => {
    for (const name of ['quick', 'standard'] as const) {
      const minutes = PRESETS[name].minutes!;
      for (const t of [
        timing(40, 90, 2000),
        timing(450, 900, 4000),
        timing(1810, 3600, 12_000),
        timing(9000, 20_000, 30_000),
      ]) {
        const c = presetConfig(name, { timing: t });
        const seconds = runSeconds(t, c);
        expect(c.steps).toBeGreaterThanOrEqual(MIN_PRESET_STEPS);
        if (c.steps > MIN_PRESET_STEPS) {
          expect(seconds).toBeLessThanOrEqual(minutes * 60);
          // Within one step of the budget: the run uses its minutes.
          expect(seconds + t.gradStepMs! / 1000).toBeGreaterThan(minutes * 60);
        }
      }
      // A faster device trains more steps in the same minutes.
      expect(presetConfig(name, { timing: timing(100, 200) }).steps).toBeGreaterThan(
        presetConfig(name, { timing: timing(1000, 2000) }).steps,
      );
    }
    // Standard at the documented 1.81 s per step on WASM, 2 cores: about 320 steps in 10 minutes.
    const documented = presetConfig('standard', { timing: timing(1810, 1810 * 2, 10_000) });
    expect(documented.steps).toBeGreaterThan(300);
    expect(documented.steps).toBeLessThan(330);
  });

  it('Paper is the reference run', () => {
    const paper = presetConfig('paper');
    // METHOD.md: 5000 steps, batch 8, 256 px, Adam lr 0.005 with 10 % warm-up from 1e-4, L = 30,
    // seed 111, the reference code's behaviour on every paper-vs-reference switch.
    expect(paper).toMatchObject({
      model: 'dmgrd',
      teacher: 'resnet50',
      steps: 5000,
      batchSize: 8,
      imageSize: 256,
      lr: 0.005,
      minLr: 1e-4,
      warmupFraction: 0.1,
      alpha: 0.2,
      mu: 0.1,
      tau: 0.1,
      memoryItems: 30,
      seed: 111,
      statsClean: false,
      mapSigma: 4,
      imageScoreTopK: 100,
    });
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA))
      if (spec.kind === 'switch') expect(paper[key as keyof TrainConfig], key).toBe(false);
    // The schema's defaults are the reference too (the CLI and the tests rely on them), but for the
    // teacher, whose reference weights need an import.
    expect({ ...defaultConfig(), teacher: 'resnet50' }).toEqual(paper);
    // The reference teacher itself once its imported weights are loaded.
    expect(presetConfig('paper', { loadedTeacher: 'wide_resnet50_2' }).teacher).toBe('wide_resnet50_2');
    expect(paperTeacher('resnet18')).toBe('resnet50');
    // Its step count is the reference's whatever the device.
    expect(presetConfig('paper', { timing: timing(100) }).steps).toBe(5000);
  });
});
