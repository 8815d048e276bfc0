export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v: number): string => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export const formatMetric = (v: number | undefined | null): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '—';

/**
 * An axis tick: three significant digits, so that the "nice" ticks of an axis (multiples of 1, 2,
 * 2.5 and 5) keep distinct labels; exponent notation outside [1e-3, 1e4) (learning rates).
 */
export function formatAxisTick(v: number): string {
  if (v === 0) return '0';
  const rounded = Number(v.toPrecision(3));
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? rounded.toExponential() : String(rounded);
}
