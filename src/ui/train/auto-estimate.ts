import { useEffect } from 'react';
import type { TrainConfig } from '../../core/config';
import { useDemoStore } from '../../state/demo-store';
import { keyFor, useEstimateStore } from '../../state/estimate-store';
import { useDatasetStore } from '../../state/dataset-store';
import { useEngineStore } from '../../state/engine-store';
import { useTrainStore } from '../../state/train-store';

/** Quiet time after the last edit before a probe starts: typing "256" is not three probes. */
const SETTLE_MS = 1000;

/**
 * Measures the form's configuration on its own once it has settled, while the Train panel is shown
 * and nothing else trains: the estimate is there before Start. A probe that failed or was
 * cancelled is not repeated on its own (the panel offers "Measure").
 */
export function useAutoEstimate(config: TrainConfig | null, shown: boolean): string | null {
  const ready = useEngineStore((s) => s.status === 'ready');
  const backend = useEngineStore((s) => s.info?.backend ?? null);
  const stored = useDatasetStore((s) => s.summary?.size ?? null);
  const loading = useDatasetStore((s) => s.loading);
  const trainBusy = useTrainStore(
    (s) => s.status === 'creating' || s.status === 'training' || s.status === 'pausing',
  );
  const demoBusy = useDemoStore(
    (s) => s.phase === 'creating' || s.phase === 'training' || s.phase === 'evaluating',
  );
  // The key changes with the backend and the dataset's stored side as well as the options.
  const key = config && backend && stored ? keyFor(config) : null;
  const known = useEstimateStore((s) => (key ? key in s.outcomes || key in s.failed : false));
  const idle = ready && shown && !loading && !trainBusy && !demoBusy;
  // Other tabs' work (an evaluation, an import, a resumed run) must not wait for a probe.
  useEffect(() => {
    if (!shown) void useEstimateStore.getState().cancel({ quiet: true });
  }, [shown]);
  useEffect(() => {
    if (!idle || !key || !config || known) return;
    const timer = setTimeout(() => void useEstimateStore.getState().measure(config, key), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [idle, key, config, known]);
  return key;
}
