import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config';
import type { StepReport } from '../../src/core/train/trainer';
import { lossHints } from '../../src/ui/train/loss-hints';

const step = (n: number, se: number, ot = 1e-10): StepReport => ({
  step: n,
  lr: 1e-3,
  loss: { kd: 1, ot, con: 0.1, se, total: 1 },
  gradNorm: null,
  selected: null,
  batchSize: 2,
  ms: 1,
});
const terms = (config: Parameters<typeof validateConfig>[0], history: StepReport[] = []) =>
  lossHints(validateConfig(config), history).map((h) => h.term);

describe('hints beside the loss chart', () => {
  it('reference DM-GRD: L_OT is 0 because it compares the batch with itself; L_SE moves no weight', () => {
    const hints = lossHints(validateConfig({ model: 'dmgrd' }), [step(1, 3), step(2, 3)]);
    expect(hints.map((h) => h.term)).toEqual(['ot', 'se']);
    expect(hints[0].text).toMatch(/^L_OT stays at 0 .*shuffled copy of the same batch/);
    expect(hints[1].text).toMatch(/^L_SE moves no weight: .*exactly 3 \(margin 1 on each of 3 levels\)/);
  });

  it('a reference L_SE left out (all zeros) says so instead of "3"', () => {
    const [, se] = lossHints(validateConfig({ model: 'dmgrd' }), [step(1, 0), step(2, 0)]);
    expect(se.text).toMatch(/^L_SE is 0: the reference triplet is left out/);
  });

  it('the paper switches make the terms depend on the data: no hint for them', () => {
    expect(terms({ model: 'dmgrd', paperSinkhorn: true }, [step(1, 3)])).toEqual(['se']);
    expect(terms({ model: 'dmgrd', paperTriplet: true }, [step(1, 0.4)])).toEqual(['ot']);
    expect(terms({ model: 'dmgrd', paperSinkhorn: true, paperTriplet: true })).toEqual([]);
  });

  it('plain RD has only L_KD; PatchCore has no loss chart', () => {
    const [rd] = lossHints(validateConfig({ model: 'rd' }), []);
    expect(rd.text).toMatch(/L_OT, L_Con and L_SE are not computed and stay at 0/);
    expect(terms({ model: 'patchcore' })).toEqual([]);
  });
});
