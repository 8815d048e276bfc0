import { useEffect, useId } from 'react';
import { useExportStore } from '../../state/export-store';
import { useResultsStore } from '../../state/results-store';
import { ProgressBar } from '../common/ProgressBar';
import { FileExport } from './FileExport';

/**
 * Download the whole model as one safetensors file (what it holds and its size first, then progress
 * and cancel, as every export), or load one back.
 */
export function CheckpointExport() {
  const s = useExportStore();
  // The file's metadata carries the latest metrics: a new evaluation changes its size.
  const stamp = useResultsStore((r) => r.stamp);
  const inputId = useId();
  const { refreshInfo } = useExportStore.getState();
  useEffect(() => {
    void refreshInfo();
  }, [refreshInfo]);

  return (
    <div className="checkpoint-export">
      <FileExport
        kind="checkpoint"
        title="Model checkpoint"
        planKey={`${s.info?.step}-${stamp}`}
        action={{ label: 'Download checkpoint', testId: 'export-checkpoint' }}
      >
        One <code>.safetensors</code> file with the weights, both memory banks, the config and the latest
        metrics, which this playground imports again. Importing it needs the same dataset loaded to evaluate.
      </FileExport>
      <p data-testid="session-summary">
        {s.info
          ? `Current model: ${s.info.config.model} on ${s.info.config.teacher}, step ${s.info.step}, ${s.info.parameters.toLocaleString()} parameters.`
          : 'No model yet: create one in the Train tab or import a checkpoint.'}
      </p>
      <div className="actions">
        <button type="button" onClick={() => void refreshInfo()}>
          Refresh
        </button>
      </div>

      <h3>Import a checkpoint</h3>
      <div className="file-pick">
        <label htmlFor={inputId}>Checkpoint file (.safetensors exported by this playground)</label>
        <input
          id={inputId}
          type="file"
          accept=".safetensors,application/octet-stream"
          disabled={s.importing}
          data-testid="import-checkpoint-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void useExportStore.getState().importCheckpoint(file);
          }}
        />
      </div>
      {s.importing && (
        <>
          <ProgressBar
            done={s.importProgress?.done ?? 0}
            total={s.importProgress?.total ?? 0}
            message={s.importProgress?.message}
            label="Import progress"
          />
          <div className="actions">
            <button type="button" onClick={() => void useExportStore.getState().cancelImport()}>
              Cancel import
            </button>
          </div>
        </>
      )}
      {s.imported && (
        <p className="ok" data-testid="import-done" role="status">
          Imported {s.imported.name}: {s.imported.info.config.model} on {s.imported.info.config.teacher}, step{' '}
          {s.imported.info.step}. Evaluate it in the Results tab.
        </p>
      )}
      {s.importError && (
        <p role="alert" className="alert" data-testid="import-error">
          Could not import the checkpoint: {s.importError}
        </p>
      )}
    </div>
  );
}
