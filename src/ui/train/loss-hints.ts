// Why a loss curve is flat: the terms that are zero or constant by construction in the chosen mode
// (METHOD.md §4, src/core/losses/separation.ts and triplet.ts), said next to the chart.
import type { TrainConfig } from '../../core/config';
import type { StepReport } from '../../../workers/engine-api';

export interface LossHint {
  term: 'ot' | 'se' | 'all';
  text: string;
}

/** Below this a logged term is rounding around zero (the reference L_OT is ±2.5e-10). */
const ZERO = 1e-6;

/** The hints for the run of `config`, given its logged steps (empty before the first). */
export function lossHints(config: TrainConfig, history: readonly StepReport[]): LossHint[] {
  if (config.model === 'patchcore') return [];
  if (config.model === 'rd')
    return [
      {
        term: 'all',
        text: 'Plain RD trains on L_KD alone: it has no memories, so L_OT, L_Con and L_SE are not computed and stay at 0.',
      },
    ];
  const hints: LossHint[] = [];
  if (!config.paperSinkhorn)
    hints.push({
      term: 'ot',
      text:
        'L_OT stays at 0 (up to rounding): the reference compares the batch’s normal-memory fusions with a ' +
        'shuffled copy of the same batch, the same set of points, so the Sinkhorn divergence between them is 0 ' +
        'and moves no weight. “Paper: Sinkhorn” compares different samples of the batch instead.',
    });
  if (!config.paperTriplet) {
    const logged = history.length > 0;
    const skipped = logged && history.every((r) => Math.abs(r.loss.se) < ZERO);
    hints.push({
      term: 'se',
      text: skipped
        ? 'L_SE is 0: the reference triplet is left out for this batch and memory size (see the session notes).'
        : 'L_SE moves no weight: the reference triplet reads memories built without gradients, and its positive ' +
          'and negative both come from the abnormal memory, so whenever both banks rank the same top-3 channels ' +
          'it is exactly 3 (margin 1 on each of 3 levels) and flat. “Paper: trainable memories” makes it learn.',
    });
  }
  return hints;
}
