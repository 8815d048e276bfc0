// What the Results tab says before an evaluation: the one thing to do next, from what exists.

/** What the app holds when the Results tab has no evaluation to show. */
export interface ResultsReadiness {
  /** A dataset is loaded; null: none. */
  dataset: { testImages: number } | null;
  /** The worker holds a model (trained, opened from Runs or imported); null: none. */
  model: { step: number; totalSteps: number } | null;
  /** A run is being created or trained now. */
  training: boolean;
}

/** The placeholder of the Results tab: what to do next to see metrics, curves and heat maps. */
export function resultsNextStep({ dataset, model, training }: ResultsReadiness): string {
  if (!model) {
    if (training) return 'The model is being created (Train tab). Evaluate it here once it has trained.';
    return dataset
      ? 'No model yet: train one (Train tab), open a saved run (Runs tab) or import a checkpoint (Export tab), then evaluate it here.'
      : 'Load a dataset (Dataset tab), then train a model (Train tab) or open a saved run (Runs tab), and evaluate it here.';
  }
  const at = `The model (step ${model.step} of ${model.totalSteps})`;
  if (!dataset)
    return `${at} is ready, but no dataset is loaded: load its folder (Dataset tab) to evaluate it.`;
  if (dataset.testImages === 0)
    return `${at} is ready, but the loaded dataset has no test images, so there is nothing to evaluate: load a folder with a test/ split.`;
  return `${at} is not evaluated yet: press Evaluate to score the ${dataset.testImages} test images and see its metrics, curves and heat maps.`;
}
