// Re-ranking memory items by their cosine similarity at one query location.
import type { BankExploration } from '../../../workers/session-api';

/** 'mean' averages the levels; a number picks one level (0 = finest). */
export type LevelChoice = 'mean' | number;

/**
 * Cosine of each memory item [L] at the query pixel (px, py) of an image of side `size`. The pixel
 * maps to the cell of each level's grid that contains it.
 */
export function cosineAt(
  bank: BankExploration,
  px: number,
  py: number,
  size: number,
  level: LevelChoice,
): number[] {
  const items = bank.sources.length;
  const levels = level === 'mean' ? bank.levels : [bank.levels[level]];
  const out = new Array<number>(items).fill(0);
  for (const { h, w, cos } of levels) {
    const gy = Math.min(h - 1, Math.max(0, Math.floor((py / size) * h)));
    const gx = Math.min(w - 1, Math.max(0, Math.floor((px / size) * w)));
    for (let l = 0; l < items; l++) out[l] += cos[l * h * w + gy * w + gx];
  }
  return out.map((v) => v / levels.length);
}

/** Item indices by value, highest first; ties keep slot order. */
export function rankDescending(values: readonly number[]): number[] {
  return values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
}
