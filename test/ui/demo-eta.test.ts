import { describe, expect, it } from 'vitest';
import { finishedLine, trainingLine, type DemoClock } from '../../src/ui/demo/demo-eta';

const clock = (fields: Partial<DemoClock>): DemoClock => ({
  step: 0,
  total: 30,
  msPerStep: null,
  sinceLastStepMs: 0,
  budgetLeftMs: 120_000,
  budgetHitAtStep: null,
  ...fields,
});

describe('demo progress line', () => {
  it('gives no time estimate before a step is measured, only the budget counting down', () => {
    expect(trainingLine(clock({ sinceLastStepMs: 25_000, budgetLeftMs: 95_000 }))).toBe(
      '0 of 30 steps done · timing the first step · budget 95 s left',
    );
    expect(trainingLine(clock({ budgetLeftMs: null }))).toBe('0 of 30 steps done · timing the first step');
  });

  it('estimates from the measured step time and counts down between steps', () => {
    expect(trainingLine(clock({ step: 10, msPerStep: 3000, budgetLeftMs: 80_000 }))).toBe(
      '10 of 30 steps done · ~60 s left (3.0 s a step)',
    );
    expect(
      trainingLine(clock({ step: 10, msPerStep: 3000, sinceLastStepMs: 2000, budgetLeftMs: 78_000 })),
    ).toBe('10 of 30 steps done · ~58 s left (3.0 s a step)');
  });

  it('says where the budget ends training when the steps do not fit', () => {
    // The SwiftShader case: ~47 s a step, 2 steps fit in 120 s.
    expect(
      trainingLine(clock({ step: 1, msPerStep: 47_000, sinceLastStepMs: 10_000, budgetLeftMs: 63_000 })),
    ).toBe(
      '1 of 30 steps done · ~63 s left: the time budget ends training near step 2 of 30 (47.0 s a step)',
    );
  });

  it('after the budget runs out, names the step still running instead of a stale count', () => {
    expect(
      trainingLine(clock({ step: 1, msPerStep: 47_000, budgetLeftMs: -10_000, budgetHitAtStep: 1 })),
    ).toBe('1 of 30 steps done · time budget reached: stopping when step 2 finishes');
    expect(
      trainingLine(clock({ step: 2, msPerStep: 47_000, budgetLeftMs: -20_000, budgetHitAtStep: 1 })),
    ).toBe('2 of 30 steps done · time budget reached: saving the model to score it');
  });

  it('says Done only when every step ran', () => {
    expect(finishedLine(30, 30, 120, false)).toBe('Done');
    expect(finishedLine(2, 30, 120, true)).toBe('Stopped at the 120 s budget after 2 of 30 steps');
  });
});
