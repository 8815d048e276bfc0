interface ProgressBarProps {
  done: number;
  total: number;
  label: string;
  message?: string;
  testId?: string;
}

/** A labelled progress bar; indeterminate while the total is unknown (0). */
export function ProgressBar({ done, total, label, message, testId }: ProgressBarProps) {
  const known = total > 0;
  return (
    <div className="progress" data-testid={testId}>
      <progress
        aria-label={label}
        max={known ? total : undefined}
        value={known ? Math.min(done, total) : undefined}
      />
      <span className="progress-text" aria-live="polite">
        {known ? `${done} / ${total}` : 'working…'}
        {message ? ` — ${message}` : ''}
      </span>
    </div>
  );
}
