import { useContext, useEffect, useState } from 'react';
import type { SessionInfo } from '../../../workers/engine-api';
import { getEngine } from '../../client/engine';
import { useDatasetStore } from '../../state/dataset-store';
import { useEngineStore } from '../../state/engine-store';
import { useExportStore } from '../../state/export-store';
import { useTrainStore } from '../../state/train-store';
import { PanelShown } from '../panel-shown';
import type { ResultsReadiness } from './next-step';

/**
 * What the app holds for the Results tab's next-step text. The model is asked of the worker (a
 * trained, opened, imported or demo model all live there), again whenever one of the ways to get a
 * model reports a change and while the panel is shown.
 */
export function useResultsReadiness(wanted: boolean): ResultsReadiness {
  const shown = useContext(PanelShown);
  const ready = useEngineStore((s) => s.status === 'ready');
  const summary = useDatasetStore((s) => s.summary);
  const trainSession = useTrainStore((s) => s.session);
  const trainStatus = useTrainStore((s) => s.status);
  const imported = useExportStore((s) => s.imported);
  const [model, setModel] = useState<SessionInfo | null>(null);

  useEffect(() => {
    if (!wanted || !shown || !ready) return;
    let live = true;
    getEngine()
      .sessionInfo()
      .then(
        (info) => live && setModel(info),
        () => live && setModel(null),
      );
    return () => {
      live = false;
    };
  }, [wanted, shown, ready, trainSession, trainStatus, imported]);

  return {
    dataset: summary ? { testImages: summary.test.length } : null,
    model: model ? { step: model.step, totalSteps: model.totalSteps } : null,
    training: trainStatus === 'creating' || trainStatus === 'training',
  };
}
