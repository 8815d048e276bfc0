import { useEffect, useMemo, useState } from 'react';
import { pageStorage } from '../../state/config-draft';
import { lastDataset } from '../../state/dataset-memory';
import { useDatasetStore } from '../../state/dataset-store';
import { useDemoStore } from '../../state/demo-store';
import { useTrainStore } from '../../state/train-store';
import { parseDemoParams } from './demo-params';
import { DemoProgress } from './DemoProgress';
import { DemoShowcase } from './DemoShowcase';
import { LiveCamera } from './LiveCamera';
import './demo.css';

/** `?kiosk=1` added to the current URL (keeps ?backend= and friends). */
function kioskHref(): string {
  const q = new URLSearchParams(window.location.search);
  q.set('kiosk', '1');
  return `?${q.toString()}`;
}

/**
 * The strip under the header: loads the built-in dataset on first open (unless `?demo=0`), runs
 * the one-click demo, shows its best results and opens the live camera.
 */
export function DemoBar() {
  const params = useMemo(() => parseDemoParams(window.location.search), []);
  const dataset = useDemoStore((s) => s.dataset);
  const datasetLoading = useDemoStore((s) => s.datasetLoading);
  const datasetError = useDemoStore((s) => s.datasetError);
  const phase = useDemoStore((s) => s.phase);
  const hasModel = useDemoStore((s) => s.hasModel);
  const loadDataset = useDemoStore((s) => s.loadDataset);
  const run = useDemoStore((s) => s.run);
  const cancel = useDemoStore((s) => s.cancel);
  const refreshModel = useDemoStore((s) => s.refreshModel);
  const current = useDatasetStore((s) => s.summary);
  const trainStatus = useTrainStore((s) => s.status);
  const [camera, setCamera] = useState(false);

  useEffect(() => {
    if (!params.autoLoad) return;
    // The demo set of the last page (same seed, size and part) comes back as it was.
    const last = lastDataset(pageStorage());
    void loadDataset(last?.source === 'demo' && last.demo ? last.demo : {});
  }, [params.autoLoad, loadDataset]);

  // A model trained in the Train tab can drive the camera too.
  useEffect(() => {
    if (trainStatus === 'finished' || trainStatus === 'paused' || trainStatus === 'stopped')
      void refreshModel();
  }, [trainStatus, refreshModel]);

  const busy = phase === 'creating' || phase === 'training' || phase === 'evaluating';
  const usingDemo = current !== null && dataset !== null && current.category === dataset.category;
  const training = trainStatus === 'training' || trainStatus === 'creating' || trainStatus === 'pausing';

  return (
    <section className="demo-bar" aria-label="Demo" data-testid="demo-bar">
      <div className="demo-bar__row">
        <span className="demo-bar__dataset" data-testid="demo-dataset" data-loaded={usingDemo}>
          {datasetLoading
            ? 'Generating the built-in demo dataset…'
            : usingDemo
              ? `Built-in demo dataset: ${dataset.category} · ${dataset.counts.train} train · ${dataset.counts.testTotal} test (${Object.keys(dataset.counts.test).join(', ')})`
              : current
                ? `Your dataset: ${current.category}`
                : 'No dataset yet: run the demo or choose a folder in the Dataset tab.'}
        </span>
        {busy ? (
          <button type="button" onClick={() => void cancel()} data-testid="demo-cancel">
            Stop demo
          </button>
        ) : (
          <button
            type="button"
            className="demo-bar__run"
            onClick={() => void run(params.preset, params.budgetSeconds)}
            disabled={datasetLoading || training}
            title="Trains a small DM-GRD model on the built-in dataset, then shows its best detections"
            data-testid="demo-run"
          >
            {phase === 'done' ? 'Run the demo again' : 'Run demo (one click)'}
          </button>
        )}
        <button
          type="button"
          aria-pressed={camera}
          onClick={() => setCamera((v) => !v)}
          disabled={!hasModel || busy}
          title={hasModel ? 'Score live camera frames with the trained model' : 'Train a model first'}
          data-testid="demo-camera-toggle"
        >
          Live camera
        </button>
        <a href={kioskHref()} className="demo-bar__kiosk" data-testid="demo-kiosk-link">
          Kiosk mode
        </a>
      </div>
      {datasetError && (
        <p className="demo-error" role="alert">
          {datasetError}
        </p>
      )}
      {phase !== 'idle' && (
        <div className="demo-bar__result">
          <DemoProgress />
          <DemoShowcase />
        </div>
      )}
      {camera && hasModel && !busy && <LiveCamera />}
    </section>
  );
}
