import { useDemoStore } from '../../state/demo-store';

const PHASE_TEXT = {
  idle: 'Ready',
  creating: 'Loading the teacher and building the memory banks',
  training: 'Training',
  evaluating: 'Scoring the test images',
  done: 'Done',
  error: 'Failed',
} as const;

/** Phase, progress bar and live numbers of the one-click run. */
export function DemoProgress() {
  const phase = useDemoStore((s) => s.phase);
  const progress = useDemoStore((s) => s.progress);
  const step = useDemoStore((s) => s.step);
  const total = useDemoStore((s) => s.totalSteps);
  const loss = useDemoStore((s) => s.lastLoss);
  const msPerStep = useDemoStore((s) => s.msPerStep);
  const error = useDemoStore((s) => s.error);
  const evaluation = useDemoStore((s) => s.evaluation);
  const deadline = useDemoStore((s) => s.deadline);
  const stoppedByBudget = useDemoStore((s) => s.stoppedByBudget);

  const fraction =
    phase === 'training' && total > 0
      ? step / total
      : progress && progress.total > 0
        ? progress.done / progress.total
        : null;
  const bySteps = phase === 'training' && msPerStep ? ((total - step) * msPerStep) / 1000 : null;
  // Recomputed on every step event, which is when this re-renders anyway.
  // eslint-disable-next-line react-hooks/purity
  const byBudget = phase === 'training' && deadline !== null ? (deadline - performance.now()) / 1000 : null;
  const remaining =
    bySteps === null ? byBudget : byBudget === null ? bySteps : Math.max(0, Math.min(bySteps, byBudget));

  return (
    <div className="demo-progress" data-testid="demo-progress" data-phase={phase}>
      <div className="demo-progress__line">
        <span className="demo-progress__phase" data-testid="demo-phase" data-phase={phase}>
          {PHASE_TEXT[phase]}
        </span>
        {phase === 'training' && (
          <span data-testid="demo-step" data-step={step}>
            step {step} / {total}
            {loss !== null && ` · loss ${loss.toFixed(3)}`}
            {remaining !== null && ` · ~${Math.ceil(remaining)} s left`}
          </span>
        )}
        {phase !== 'training' && progress?.message && <span>{progress.message}</span>}
      </div>
      {fraction !== null && (
        <progress max={1} value={fraction} aria-label={PHASE_TEXT[phase]} className="demo-progress__bar" />
      )}
      {error && (
        <p className="demo-error" role="alert" data-testid="demo-error">
          {error}
        </p>
      )}
      {phase === 'done' && stoppedByBudget && (
        <p className="demo-note" data-testid="demo-budget-note">
          Stopped at the time budget after {step} of {total} steps; results are from that model.
        </p>
      )}
      {phase === 'done' && evaluation && (
        <dl className="demo-metrics" data-testid="demo-metrics">
          <div>
            <dt>Image AUROC</dt>
            <dd data-testid="demo-image-auroc">{(100 * evaluation.metrics.imageAuroc).toFixed(1)}%</dd>
          </div>
          <div>
            <dt>Pixel AUROC</dt>
            <dd data-testid="demo-pixel-auroc">{(100 * evaluation.metrics.pixelAuroc).toFixed(1)}%</dd>
          </div>
          <div>
            <dt>Per image</dt>
            <dd>{evaluation.msPerImage.toFixed(0)} ms</dd>
          </div>
        </dl>
      )}
    </div>
  );
}
