import { useEffect } from 'react';
import { useDatasetStore } from '../state/dataset-store';
import { useEngineStore } from '../state/engine-store';
import { useRunsStore } from '../state/runs-store';
import { useTrainStore } from '../state/train-store';
import { targetStep } from './runs/run-actions';
import { ProgressBar } from './common/ProgressBar';

/** Offers to resume a run the previous page left mid-training (found once, at start-up). */
export function ResumeBanner({ onResume }: { onResume(): void }) {
  const {
    interrupted,
    lost,
    bannerDismissed,
    opening,
    openProgress,
    openError,
    checkInterrupted,
    resume,
    dismissBanner,
  } = useRunsStore();
  const engineReady = useEngineStore((s) => s.status === 'ready');
  const summary = useDatasetStore((s) => s.summary);
  const checkpointEvery = useTrainStore((s) => s.checkpointEvery);

  useEffect(() => {
    if (engineReady) void checkInterrupted();
  }, [engineReady, checkInterrupted]);

  if (bannerDismissed) return null;
  if (!interrupted && lost)
    return (
      <div className="banner" role="region" aria-label="Unfinished run" data-testid="lost-run-banner">
        <p>
          A run on <strong>{lost.dataset}</strong> ({lost.config.model}/{lost.config.teacher}) was training
          when the page closed, before its first checkpoint (the Train form saves one every {checkpointEvery}{' '}
          steps): nothing of it can be resumed. Start it again from the Train tab.
        </p>
        <div className="actions">
          <button type="button" onClick={dismissBanner} data-testid="lost-run-banner-dismiss">
            Dismiss
          </button>
        </div>
      </div>
    );
  if (!interrupted) return null;
  const run = interrupted;
  const sameDataset = summary?.category === run.dataset;
  return (
    <div className="banner" role="region" aria-label="Unfinished run" data-testid="resume-banner">
      <p>
        A run on <strong>{run.dataset}</strong> ({run.config.model}/{run.config.teacher}) stopped at step{' '}
        {run.step} of {targetStep(run)} when the page closed.{' '}
        {!summary && (
          <span data-testid="resume-needs-dataset">
            Load the <strong>{run.dataset}</strong> dataset again (Dataset tab), then resume.
          </span>
        )}
        {summary && !sameDataset && (
          <span className="warn">
            The loaded dataset is <strong>{summary.category}</strong>, not {run.dataset}.
          </span>
        )}
      </p>
      <div className="actions">
        <button
          type="button"
          disabled={!summary || opening !== null}
          onClick={() => {
            onResume();
            // Not opened (its folder is asked for, or an error): the Runs tab says why.
            void resume(run.id).then((opened) => {
              if (!opened) window.location.hash = 'runs';
            });
          }}
          data-testid="resume-banner-resume"
        >
          {opening ? 'Resuming…' : 'Resume training'}
        </button>
        <button type="button" onClick={dismissBanner} data-testid="resume-banner-dismiss">
          Dismiss
        </button>
      </div>
      {opening && openProgress && (
        <ProgressBar
          label="Resuming"
          done={openProgress.done}
          total={openProgress.total}
          message={openProgress.message}
        />
      )}
      {openError && (
        <p className="alert" role="alert">
          Could not resume: {openError}
        </p>
      )}
    </div>
  );
}
