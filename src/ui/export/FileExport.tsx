import { useEffect, type ReactNode } from 'react';
import type { ExportChoices, ExportKind } from '../../../workers/engine-api';
import { statusOf, useFileExportStore } from '../../state/file-export-store';
import { formatBytes, formatDuration } from '../train/format';
import { downloadBlob } from './download';

interface FileExportProps {
  kind: ExportKind;
  title: string;
  /** What the export is for, in a sentence or two. */
  children: ReactNode;
  /** Re-reads the plan when this changes (e.g. the model's step). */
  planKey?: unknown;
  /** What the export follows from the UI (the report: threshold and overlay style). */
  choices?: ExportChoices;
  /** The write button's words and test id, where they are not `Write <file name>`. */
  action?: { label: string; testId: string };
}

/**
 * One file export: what it will contain and how big, before writing; then progress with a time
 * estimate and a cancel button; then the download.
 */
export function FileExport({ kind, title, children, planKey, choices, action }: FileExportProps) {
  const status = useFileExportStore((s) => statusOf(s, kind));
  const { loadPlan, write, cancel } = useFileExportStore.getState();
  // The choices as a value: a new object with the same content must not reload the plan.
  const choicesKey = JSON.stringify(choices ?? {});
  useEffect(() => {
    void loadPlan(kind, JSON.parse(choicesKey) as ExportChoices);
  }, [loadPlan, kind, planKey, choicesKey]);

  const { plan, planError, taskId, progress, startedAt, error, done } = status;
  const onWrite = async (): Promise<void> => {
    const file = await write(kind, choices);
    if (file) downloadBlob(file.blob, file.fileName);
  };
  const approx = plan?.items.some((i) => i.approximate) ? 'about ' : '';

  return (
    <div className="file-export" data-testid={`file-export-${kind}`}>
      <h3>{title}</h3>
      <p className="muted small">{children}</p>
      {plan && (
        <>
          <table className="export-plan" data-testid={`export-plan-${kind}`}>
            <tbody>
              {plan.items.map((item) => (
                <tr key={item.path}>
                  <td>
                    <code>{item.path}</code>
                  </td>
                  <td>{item.what}</td>
                  <td className="num">
                    {item.approximate ? '≈ ' : ''}
                    {formatBytes(item.bytes)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="actions">
            <button
              type="button"
              onClick={() => void onWrite()}
              disabled={taskId !== null}
              data-testid={action?.testId ?? `export-write-${kind}`}
            >
              {action?.label ?? `Write ${plan.fileName}`} ({approx}
              {formatBytes(plan.totalBytes)})
            </button>
            {taskId && (
              <button type="button" onClick={() => void cancel(kind)} data-testid={`export-cancel-${kind}`}>
                Cancel
              </button>
            )}
          </div>
        </>
      )}
      {planError && (
        <p className="muted" data-testid={`export-unavailable-${kind}`}>
          Not available: {planError}
        </p>
      )}
      {taskId && (
        <div className="progress" data-testid={`export-progress-${kind}`}>
          <progress
            aria-label={`${title} progress`}
            max={progress ? progress.total : undefined}
            value={progress ? progress.done : undefined}
          />
          <span className="progress-text" aria-live="polite">
            {progress
              ? progressText(progress.done, progress.total, startedAt, progress.message)
              : 'starting…'}
          </span>
        </div>
      )}
      {done && (
        <p className="ok" role="status" data-testid={`export-done-${kind}`}>
          Saved {done.fileName} ({formatBytes(done.bytes)}).
        </p>
      )}
      {error && (
        <p role="alert" className="alert" data-testid={`export-error-${kind}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** `what: 12 MiB of 40 MiB, about 0:07 left` (the estimate assumes the rate so far holds). */
function progressText(done: number, total: number, startedAt: number | null, what: string): string {
  const elapsed = startedAt ? (Date.now() - startedAt) / 1000 : 0;
  const left =
    done > 0 && elapsed > 1
      ? `about ${formatDuration((elapsed * (total - done)) / done)} left`
      : 'estimating';
  return `${what}: ${formatBytes(done)} of ${formatBytes(total)}, ${left}`;
}
