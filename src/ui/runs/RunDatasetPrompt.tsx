import { describeDataset } from '../../core/data/fingerprint';
import { useDatasetStore } from '../../state/dataset-store';
import { useRunsStore } from '../../state/runs-store';
import { ProgressBar } from '../common/ProgressBar';
import { FolderPicker } from '../dataset/FolderPicker';

/**
 * Asks for the folder a run trained on when it is not the loaded dataset: one click on its kept
 * handle where the browser has one, else the folder picker. A folder with other images is refused
 * with what differs; the loaded dataset and the run stay as they were.
 */
export function RunDatasetPrompt() {
  const request = useRunsStore((s) => s.needsDataset);
  const provideDataset = useRunsStore((s) => s.provideDataset);
  const reopenKeptFolder = useRunsStore((s) => s.reopenKeptFolder);
  const dismiss = useRunsStore((s) => s.dismissDatasetRequest);
  const loading = useDatasetStore((s) => s.loading);
  const progress = useDatasetStore((s) => s.progress);
  if (!request) return null;
  const fp = request.fingerprint;
  return (
    <section className="banner" aria-label="The run's dataset" data-testid="run-dataset-prompt">
      <p>
        This run trained on <strong>{describeDataset(fp)}</strong>, which is not loaded ({request.reason}).
        {request.handle
          ? ' Reopen it, or pick the folder again: it is checked to be the same before anything changes.'
          : ' Pick that folder again: it is checked to be the same before anything changes.'}
      </p>
      {request.handle && (
        <p className="actions">
          <button
            type="button"
            onClick={() => void reopenKeptFolder()}
            disabled={loading}
            data-testid="run-dataset-reopen"
          >
            Reopen {request.handle.name}
          </button>
        </p>
      )}
      <FolderPicker
        what="dataset folder"
        disabled={loading}
        onFiles={(files, handle) => void provideDataset(files, handle)}
        testId="run-dataset"
      />
      {loading && (
        <ProgressBar
          label="Dataset loading"
          done={progress?.done ?? 0}
          total={progress?.total ?? 0}
          message={progress?.message}
        />
      )}
      {request.error && (
        <p className="alert" role="alert" data-testid="run-dataset-error">
          Not opened: {request.error} The run and the loaded dataset are unchanged.
        </p>
      )}
      <p className="actions">
        <button type="button" onClick={dismiss} data-testid="run-dataset-dismiss">
          Cancel
        </button>
      </p>
    </section>
  );
}
