import { useState } from 'react';
import { STORED_SIZES, useDatasetStore } from '../../state/dataset-store';
import { ProgressBar } from '../common/ProgressBar';
import { DatasetFacts } from '../dataset/DatasetFacts';
import { DatasetRestore } from '../dataset/DatasetRestore';
import { FolderPicker } from '../dataset/FolderPicker';
import { ProblemList } from '../dataset/ProblemList';
import { ThumbnailGrid } from '../dataset/ThumbnailGrid';

/** Loading a dataset folder: what was found, what is wrong with it, and the images themselves. */
export function DatasetPanel() {
  const {
    summary,
    generation,
    files,
    handle,
    loading,
    progress,
    error,
    cancelled,
    textures,
    texturesLoading,
    texturesError,
  } = useDatasetStore();
  const load = useDatasetStore((s) => s.load);
  const storedSize = useDatasetStore((s) => s.storedSize);
  const setStoredSize = useDatasetStore((s) => s.setStoredSize);
  const cancel = useDatasetStore((s) => s.cancel);
  const loadTextures = useDatasetStore((s) => s.loadTextures);
  const [split, setSplit] = useState<'train' | 'test'>('train');

  return (
    <div className="dataset-panel">
      <DatasetRestore />
      <section aria-labelledby="dataset-open-heading">
        <h3 id="dataset-open-heading">Open a dataset</h3>
        <p className="muted">
          An MVTec AD category (<code>bottle/train/good</code>, <code>bottle/test/…</code>,{' '}
          <code>bottle/ground_truth/…</code>), a BTAD or VisA category, or a plain folder of normal images.
          Files stay on this computer.
        </p>
        <p>
          <label>
            Store images at{' '}
            <select
              value={storedSize}
              disabled={loading}
              onChange={(e) => setStoredSize(Number(e.currentTarget.value))}
              data-testid="dataset-size"
            >
              {STORED_SIZES.map((s) => (
                <option key={s} value={s}>
                  {s}×{s}
                </option>
              ))}
            </select>
          </label>{' '}
          <span className="muted">(at least the training image size; smaller uses less memory)</span>
        </p>
        <FolderPicker
          what="dataset folder"
          disabled={loading}
          onFiles={(f, handle) => void load(f, { handle })}
          testId="folder"
        />
        {loading && (
          <div className="task-row" data-testid="dataset-loading">
            <ProgressBar
              label="Dataset loading"
              done={progress?.done ?? 0}
              total={progress?.total ?? 0}
              message={progress?.message}
              testId="dataset-progress"
            />
            <button type="button" onClick={() => void cancel()} data-testid="dataset-cancel">
              Cancel
            </button>
          </div>
        )}
        {cancelled && !loading && (
          <p className="warn" data-testid="dataset-cancelled">
            Loading cancelled{summary ? '; the previous dataset is still loaded.' : '.'}
          </p>
        )}
        {error && (
          <p className="alert" role="alert" data-testid="dataset-error">
            Could not load the dataset: {error}
            {summary ? ` The loaded dataset, ${summary.category}, stays loaded.` : ' Nothing was loaded.'}
          </p>
        )}
      </section>

      {summary && (
        <>
          <section aria-labelledby="dataset-summary-heading" data-testid="dataset-summary">
            <h3 id="dataset-summary-heading">What was found</h3>
            {summary.categories.length > 1 && (
              <p>
                <label>
                  Category{' '}
                  <select
                    value={summary.category}
                    disabled={loading}
                    onChange={(e) =>
                      void load(files, { category: e.currentTarget.value, handle: handle ?? undefined })
                    }
                    data-testid="dataset-category-select"
                  >
                    {summary.categories.map((c) => (
                      <option key={c} value={c.split('/').pop() ?? c}>
                        {c}
                      </option>
                    ))}
                  </select>
                </label>{' '}
                <span className="muted">(several categories were dropped; one is indexed at a time)</span>
              </p>
            )}
            <DatasetFacts summary={summary} />
          </section>

          <section aria-labelledby="dataset-problems-heading">
            <h3 id="dataset-problems-heading">
              Problems <span className="muted">({summary.problems.length})</span>
            </h3>
            <ProblemList problems={summary.problems} testId="dataset-problems" />
          </section>

          <section aria-labelledby="dataset-images-heading">
            <h3 id="dataset-images-heading">Images</h3>
            <div className="segmented" role="radiogroup" aria-label="Split shown">
              {(['train', 'test'] as const).map((s) => (
                <label key={s}>
                  <input
                    type="radio"
                    name="thumb-split"
                    value={s}
                    checked={split === s}
                    onChange={() => setSplit(s)}
                    data-testid={`split-${s}`}
                  />{' '}
                  {s} ({summary[s].length})
                </label>
              ))}
            </div>
            <ThumbnailGrid
              key={`${generation}-${split}`}
              generation={generation}
              split={split}
              images={summary[split]}
            />
          </section>
        </>
      )}

      <section aria-labelledby="texture-heading">
        <h3 id="texture-heading">Anomaly textures (optional)</h3>
        <p className="muted">
          Synthetic anomalies mix a texture into normal images. Without a texture folder (e.g. the DTD
          dataset) built-in procedural textures are used.
        </p>
        <FolderPicker
          what="texture folder"
          disabled={texturesLoading}
          onFiles={(f) => void loadTextures(f)}
          testId="texture"
          dropHint="…or drop a texture folder here."
        />
        {texturesLoading && <p aria-live="polite">Reading textures…</p>}
        {texturesError && (
          <p className="alert" role="alert">
            Could not load textures: {texturesError}
          </p>
        )}
        {textures && (
          <>
            <p data-testid="texture-count">
              {textures.count} textures from <code>{textures.source}</code>.
            </p>
            {textures.problems.length > 0 && (
              <ProblemList problems={textures.problems} testId="texture-problems" />
            )}
          </>
        )}
      </section>
    </div>
  );
}
