import { describe, expect, it } from 'vitest';
import { resultsNextStep } from '../../src/ui/results/next-step';

describe('the Results tab before an evaluation says what to do next', () => {
  it('a model and a dataset but no evaluation: evaluate (not "load a dataset and create a model")', () => {
    const text = resultsNextStep({
      dataset: { testImages: 83 },
      model: { step: 120, totalSteps: 120 },
      training: false,
    });
    expect(text).toBe(
      'The model (step 120 of 120) is not evaluated yet: press Evaluate to score the 83 test images and see its metrics, curves and heat maps.',
    );
    expect(text).not.toMatch(/load a dataset|create a model/i);
  });

  it('a model without its dataset: load the folder', () => {
    expect(resultsNextStep({ dataset: null, model: { step: 40, totalSteps: 100 }, training: false })).toBe(
      'The model (step 40 of 100) is ready, but no dataset is loaded: load its folder (Dataset tab) to evaluate it.',
    );
  });

  it('a model and a dataset without test images: nothing to evaluate, and why', () => {
    expect(
      resultsNextStep({ dataset: { testImages: 0 }, model: { step: 5, totalSteps: 5 }, training: false }),
    ).toMatch(/has no test images, so there is nothing to evaluate/);
  });

  it('no model: train, open or import one; no dataset either: load one first', () => {
    expect(resultsNextStep({ dataset: { testImages: 10 }, model: null, training: false })).toMatch(
      /^No model yet: train one \(Train tab\), open a saved run \(Runs tab\) or import a checkpoint/,
    );
    expect(resultsNextStep({ dataset: null, model: null, training: false })).toMatch(/^Load a dataset/);
    expect(resultsNextStep({ dataset: { testImages: 10 }, model: null, training: true })).toMatch(
      /^The model is being created/,
    );
  });
});
