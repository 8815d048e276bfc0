import { useEffect, useState } from 'react';
import { useDemoStore } from '../../state/demo-store';
import { finishedLine, trainingLine } from './demo-eta';

const PHASE_TEXT = {
  idle: 'Ready',
  creating: 'Loading the teacher and building the memory banks',
  training: 'Training',
  evaluating: 'Scoring the test images',
  done: 'Done',
  error: 'Failed',
} as const;

/** performance.now(), refreshed every second while `active`, so the time left counts down between steps. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const tick = (): void => setNow(performance.now());
    const first = setTimeout(tick, 0);
    const id = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(id);
    };
  }, [active]);
  return now;
}

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
  const trainStartedAt = useDemoStore((s) => s.trainStartedAt);
  const lastStepAt = useDemoStore((s) => s.lastStepAt);
  const budgetSeconds = useDemoStore((s) => s.budgetSeconds);
  const budgetHitAtStep = useDemoStore((s) => s.budgetHitAtStep);
  const stoppedByBudget = useDemoStore((s) => s.stoppedByBudget);
  const now = useNow(phase === 'training');

  const fraction =
    phase === 'training' && total > 0
      ? step / total
      : progress && progress.total > 0
        ? progress.done / progress.total
        : null;
  const line =
    phase === 'training'
      ? trainingLine({
          step,
          total,
          msPerStep,
          sinceLastStepMs: Math.max(0, now - (lastStepAt ?? trainStartedAt ?? now)),
          budgetLeftMs: deadline === null ? null : Math.min(budgetSeconds * 1000, deadline - now),
          budgetHitAtStep,
        })
      : null;
  const headline =
    phase === 'done' ? finishedLine(step, total, budgetSeconds, stoppedByBudget) : PHASE_TEXT[phase];

  return (
    <div className="demo-progress" data-testid="demo-progress" data-phase={phase}>
      <div className="demo-progress__line">
        <span
          className="demo-progress__phase"
          data-testid="demo-phase"
          data-phase={phase}
          data-complete={phase === 'done' ? String(!stoppedByBudget) : undefined}
        >
          {headline}
        </span>
        {phase === 'training' && (
          <span data-testid="demo-step" data-step={step}>
            {line}
            {loss !== null && ` · loss ${loss.toFixed(3)}`}
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
          Training did not finish: the results below are from the model after {step} of {total} steps.
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
