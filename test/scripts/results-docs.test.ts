// The sweep tables of docs/results.md are the sweep's own output: each file in docs/sweep/ must be
// a sweep of committed code, its markdown what formatSweepMarkdown writes from its JSON, and every
// row of that markdown a row of docs/results.md (which Prettier realigns, so cells are compared).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatSweepMarkdown,
  markdownTableRows,
  SWEEP_FORMAT,
  type SweepResult,
} from '../../scripts/bench/sweep-table';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SWEEP_DIR = join(ROOT, 'docs', 'sweep');
const stems = readdirSync(SWEEP_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));

const resultsRows = markdownTableRows(readFileSync(join(ROOT, 'docs', 'results.md'), 'utf8')).map((r) =>
  r.join(' | '),
);

describe('docs/sweep', () => {
  it('holds at least one sweep', () => {
    expect(stems.length).toBeGreaterThan(0);
  });

  describe.each(stems)('%s', (stem) => {
    const sweep = JSON.parse(readFileSync(join(SWEEP_DIR, `${stem}.json`), 'utf8')) as SweepResult;
    const markdown = readFileSync(join(SWEEP_DIR, `${stem}.md`), 'utf8');

    it('measured committed code, every run finished', () => {
      expect(sweep.format).toBe(SWEEP_FORMAT);
      expect(sweep.git.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(sweep.git.dirty).toBe(false);
      expect(sweep.rows.length).toBeGreaterThan(0);
      for (const row of sweep.rows) expect(row.error).toBeNull();
    });

    it('has the markdown its JSON formats to', () => {
      expect(markdown).toBe(formatSweepMarkdown(sweep) + '\n');
    });

    it('has every table row in docs/results.md', () => {
      const rows = markdownTableRows(markdown).map((r) => r.join(' | '));
      expect(rows.length).toBeGreaterThan(2);
      for (const row of rows) expect(resultsRows).toContain(row);
    });
  });
});
