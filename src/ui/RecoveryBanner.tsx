import { useRecoveryStore } from '../state/recovery-store';

const BACKEND_LABEL = { webgpu: 'WebGPU', wasm: 'WASM', webgl: 'WebGL', cpu: 'CPU' } as const;

/**
 * Tells the user that training, an evaluation or live scoring lost its GPU (or training ran out of
 * memory), what was kept and what runs now.
 */
export function RecoveryBanner() {
  const notice = useRecoveryStore((s) => s.notice);
  const dismiss = useRecoveryStore((s) => s.dismiss);
  if (!notice) return null;
  const failed = notice.phase === 'failed';
  // Evaluation and live scoring use the restored model as it is: no steps are trained again.
  const training = (notice.activity ?? 'training') === 'training';
  return (
    <div
      className={failed ? 'banner alert' : 'banner'}
      role="alert"
      data-testid="recovery-banner"
      data-phase={notice.phase}
      data-cause={notice.cause}
      data-activity={notice.activity ?? 'training'}
      data-backend={notice.backend}
      data-saved-step={notice.savedStep}
      data-batch={notice.batchSize}
    >
      <p data-testid="recovery-message">{notice.message}</p>
      {notice.phase === 'resumed' && training && notice.failedStep > notice.savedStep && (
        <p className="muted">
          Steps {notice.savedStep + 1}–{notice.failedStep} are trained again on{' '}
          {BACKEND_LABEL[notice.backend]} at batch {notice.batchSize}.
        </p>
      )}
      {failed && <p className="muted">The run is kept in the Runs tab at its last checkpoint.</p>}
      {notice.phase !== 'recovering' && (
        <div className="actions">
          <button type="button" onClick={dismiss} data-testid="recovery-dismiss">
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
