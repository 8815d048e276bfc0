import { useEffect, useId } from 'react';
import { useExportStore } from '../../state/export-store';
import { ProgressBar } from '../common/ProgressBar';
import { downloadBlob } from './download';

const kib = (n: number): string =>
  n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** Download the whole model as one safetensors file, or load one back. */
export function CheckpointExport() {
  const s = useExportStore();
  const inputId = useId();
  const { refreshInfo } = useExportStore.getState();
  useEffect(() => {
    void refreshInfo();
  }, [refreshInfo]);

  const onExport = async (): Promise<void> => {
    const file = await useExportStore.getState().exportCheckpoint();
    if (file) downloadBlob(file.blob, file.name);
  };

  return (
    <div className="checkpoint-export">
      <h3>Model checkpoint</h3>
      <p className="muted small">
        One <code>.safetensors</code> file with the weights, both memory banks, the optimiser state, the
        config and the latest metrics. Importing it needs the same dataset loaded to evaluate.
      </p>
      <p data-testid="session-summary">
        {s.info
          ? `Current model: ${s.info.config.model} on ${s.info.config.teacher}, step ${s.info.step}, ${s.info.parameters.toLocaleString()} parameters.`
          : 'No model yet: create one in the Train tab or import a checkpoint.'}
      </p>
      <div className="actions">
        <button
          type="button"
          onClick={() => void onExport()}
          disabled={s.exporting}
          data-testid="export-checkpoint"
        >
          {s.exporting ? 'Exporting…' : 'Download checkpoint'}
        </button>
        <button type="button" onClick={() => void refreshInfo()}>
          Refresh
        </button>
      </div>
      {s.lastExport && (
        <p className="muted" data-testid="export-done">
          Saved {s.lastExport.name} ({kib(s.lastExport.bytes)}).
        </p>
      )}
      {s.exportError && (
        <p role="alert" className="alert" data-testid="export-error">
          {s.exportError}
        </p>
      )}

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
