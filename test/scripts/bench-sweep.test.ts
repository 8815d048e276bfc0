import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgsError, PAPER_SWITCHES, parseArgs } from '../../scripts/bench/args';
import { meanStepInterval, stepsForBudget, trainsInSteps } from '../../scripts/bench/budget';
import { paperRowFor } from '../../scripts/bench/paper';
import { sweepProblem } from '../../scripts/bench/sweep';
import { pendingRuns, planRuns, resumeProblem } from '../../scripts/bench/sweep-plan';
import { parseSweepSpec } from '../../scripts/bench/sweep-spec';
import {
  formatSweepMarkdown,
  markdownTableRows,
  SWEEP_FORMAT,
  type SweepResult,
  type SweepRowResult,
} from '../../scripts/bench/sweep-table';
import { CONFIG_SCHEMA, validateConfig } from '../../src/core/config';
import { presetOptions } from '../../src/core/presets';

describe('budget to steps', () => {
  it('fits whole steps of the probed time into the budget', () => {
    // 2 minutes at 1.81 s per step: 66 steps (66 × 1.81 = 119.5 s; 67 would be 121.3 s).
    expect(stepsForBudget(2 * 60_000, 1810)).toBe(66);
    expect(stepsForBudget(10 * 60_000, 1810)).toBe(331);
    expect(stepsForBudget(60_000, 60_000)).toBe(1);
    // A step longer than the budget still trains one; a budget beyond the schema's maximum is capped.
    expect(stepsForBudget(1000, 5000)).toBe(1);
    expect(stepsForBudget(30 * 60_000, 1)).toBe(CONFIG_SCHEMA.steps.max);
    expect(() => stepsForBudget(60_000, 0)).toThrow(/positive/);
    expect(() => stepsForBudget(60_000, Number.NaN)).toThrow(/positive/);
  });

  it('times the steps after the first from the arrival of their events', () => {
    // Step 1 arrives at 5 s (kernel compilation); steps 2, 3 and 4 take 2, 2 and 2.6 s.
    expect(meanStepInterval([5000, 7000, 9000, 11_600])).toBeCloseTo(2200, 9);
    expect(() => meanStepInterval([5000])).toThrow(/needs 2/);
  });

  it('gives a budget to the models that train in steps', () => {
    expect(trainsInSteps('dmgrd')).toBe(true);
    expect(trainsInSteps('rd')).toBe(true);
    expect(trainsInSteps('patchcore')).toBe(false);
  });
});

describe('sweep rows', () => {
  it('reads inline rows, each with its own flags', () => {
    const rows = parseSweepSpec(
      'DM-GRD (reference): --model dmgrd; DM-GRD (paper switches): --model dmgrd --paper-switches;' +
        ' RD: --model rd --image-score-top-k 1; all defaults:',
    );
    expect(rows.map((r) => r.name)).toEqual([
      'DM-GRD (reference)',
      'DM-GRD (paper switches)',
      'RD',
      'all defaults',
    ]);
    expect(rows[0].config).toEqual({ model: 'dmgrd' });
    expect(PAPER_SWITCHES).toEqual([
      'paperLambda',
      'paperBeta',
      'paperKdPerPixel',
      'paperSelect',
      'paperSinkhorn',
      'paperTriplet',
    ]);
    expect(rows[1].config).toEqual({
      model: 'dmgrd',
      ...Object.fromEntries(PAPER_SWITCHES.map((k) => [k, true])),
    });
    expect(rows[2]).toMatchObject({
      flags: '--model rd --image-score-top-k 1',
      config: { model: 'rd', imageScoreTopK: 1 },
    });
    expect(rows[3].config).toEqual({});
    expect(parseSweepSpec('ref: --paper-select --no-paper-switches')[0].config).toEqual(
      Object.fromEntries(PAPER_SWITCHES.map((k) => [k, false])),
    );
  });

  it('reads the rows of the results tables', () => {
    const rows = parseSweepSpec('scripts/bench/results-rows.txt');
    expect(rows.map((r) => r.name)).toEqual([
      'DM-GRD (reference)',
      'DM-GRD (paper switches)',
      'DM-GRD (Standard)',
      'RD',
      'PatchCore (memory baseline)',
    ]);
    expect(rows.map((r) => r.config.model)).toEqual(['dmgrd', 'dmgrd', 'dmgrd', 'rd', 'patchcore']);
    expect(rows[0].config.paperSelect).toBe(false);
    expect(rows[0].config.statsBatches ?? CONFIG_SCHEMA.statsBatches.default).toBe(0);
    expect(rows[1].config.paperSelect).toBe(true);
    expect(rows[2].config).toMatchObject(presetOptions('standard'));
  });

  it('parses the candidate rows: each is the Standard preset with one change', () => {
    const rows = parseSweepSpec('scripts/bench/candidate-rows.txt');
    const standard = rows[0].config;
    expect(standard).toMatchObject(presetOptions('standard'));
    expect(rows.slice(1).map((r) => r.config)).toEqual([
      { ...standard, statsClean: true },
      { ...standard, mapSigma: 0, imageScoreTopK: 1 },
    ]);
  });

  it('reads a file: one row per line, comments and blank lines skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-spec-'));
    try {
      const file = join(dir, 'rows.txt');
      writeFileSync(file, '# rows\n\nsmall: --size 128 --batch 2\nlarge: --size 256 --no-paper-beta\n');
      const rows = parseSweepSpec(file);
      expect(rows.map((r) => [r.name, r.config])).toEqual([
        ['small', { imageSize: 128, batchSize: 2 }],
        ['large', { imageSize: 256, paperBeta: false }],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the row at fault', () => {
    expect(() => parseSweepSpec('--model rd')).toThrow(/needs a name/);
    expect(() => parseSweepSpec('a: --model nope')).toThrow(/sweep row "a": .*Model must be one of/);
    expect(() => parseSweepSpec('a: --data x')).toThrow(/sweep row "a": .*--data/);
    expect(() => parseSweepSpec('a: --model rd; a: --model dmgrd')).toThrow(/appears twice/);
    expect(() => parseSweepSpec(' ; # nothing')).toThrow(ArgsError);
  });

  it('takes budgets with --minutes and refuses steps beside them', () => {
    const p = parseArgs(['--data', 'x', '--sweep', 'a: --model rd', '--minutes', '2,10,30', '--size', '128']);
    expect(p.budgets).toEqual([2, 10, 30]);
    expect(p.runner.sweep).toBe('a: --model rd');
    expect(p.config).toEqual({ imageSize: 128 });
    expect(parseArgs(['--data', 'x', '--minutes', '0.5']).budgets).toEqual([0.5]);
    expect(parseArgs(['--data', 'x']).budgets).toBeNull();
    expect(() => parseArgs(['--data', 'x', '--minutes', '2', '--steps', '5'])).toThrow(/not both/);
    expect(() => parseArgs(['--data', 'x', '--minutes', '2,10'])).toThrow(/need --sweep/);
    expect(() => parseArgs(['--data', 'x', '--minutes', '0'])).toThrow(/positive minutes/);
    expect(() => parseArgs(['--data', 'x', '--minutes', '2,,3'])).toThrow(/positive minutes/);
    const rows = parseSweepSpec('a: --steps 10; b: --model rd');
    expect(sweepProblem({ common: {}, rows, minutes: [2] })).toMatch(/row "a" sets --steps/);
    expect(sweepProblem({ common: {}, rows, minutes: null })).toBeNull();
    expect(
      sweepProblem({ common: { lr: 1e-5 }, rows: parseSweepSpec('c: --min-lr 0.001'), minutes: null }),
    ).toMatch(/row "c": Min LR/);
  });
});

function row(name: string, minutes: number | null, over: Partial<SweepRowResult> = {}): SweepRowResult {
  return {
    name,
    flags: '--model rd',
    minutes,
    config: validateConfig({ model: 'rd' }),
    report: `/tmp/${name}.json`,
    error: null,
    imageAuroc: 0.9512,
    pixelAuroc: 0.9,
    proMvtec03: 0.75,
    proFullRange: 0.88,
    perTypeImageAuroc: { blowhole: 0.93, break: 0.851 },
    steps: 66,
    msPerStep: 1810,
    trainMs: 119_460,
    msPerImage: 83.4,
    budget: null,
    loadAvgStart: 3.2,
    loadAvgEnd: 4.25,
    ...over,
  };
}

function sweep(rows: SweepRowResult[], paper: SweepResult['paper']): SweepResult {
  return {
    format: SWEEP_FORMAT,
    startedAt: '2026-12-06T22:30:00.000Z',
    finishedAt: '2026-12-06T22:40:00.000Z',
    command: 'npm run bench -- --data ../shared/data/magnetic-tile/tile --sweep rows.txt --minutes 2',
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    host: { cpuModel: 'AMD EPYC', cpus: 2, totalMemBytes: 24 * 2 ** 30, loadAvgStart: 3.2, loadAvgEnd: 5.04 },
    backend: 'wasm (2 threads)',
    browser: 'Chromium 156',
    data: '../shared/data/magnetic-tile/tile',
    category: 'tile',
    testCounts: { good: 40, blowhole: 20, break: 20 },
    common: { teacher: 'efficientnet_b0' },
    rows,
    paper,
  };
}

describe('sweep table', () => {
  it('writes one markdown row per configuration and budget, with the header facts', () => {
    const md = formatSweepMarkdown(
      sweep(
        [
          row('RD', 2),
          row('patchcore', null, { steps: null, msPerStep: null, trainMs: 31_000 }),
          row('DM-GRD | odd', 2, { error: 'out of memory', imageAuroc: null }),
        ],
        null,
      ),
    );
    const lines = md.split('\n');
    expect(lines).toContain(
      '| row | budget | I-AUROC | P-AUROC | PRO@0.3 | PRO (0–1) | I-AUROC blowhole | I-AUROC break | s / step | ms / image | steps | train |',
    );
    expect(lines).toContain(
      '| RD | 2 min | 95.12 | 90.00 | 75.00 | 88.00 | 93.00 | 85.10 | 1.81 | 83 | 66 | 2.0 min |',
    );
    expect(lines).toContain(
      '| patchcore | none (fitted once) | 95.12 | 90.00 | 75.00 | 88.00 | 93.00 | 85.10 | – | 83 | fit | 0.5 min |',
    );
    expect(lines).toContain('| DM-GRD \\| odd | 2 min | failed: out of memory |  |  |  |  |  |  |  |  |  |');
    // Every table line has as many cells as the header.
    const [header, ...rows] = markdownTableRows(md);
    expect(rows.length).toBe(3);
    for (const r of rows) expect(r.length).toBe(header.length);
    expect(md).toMatch(
      /2026-12-06 22:30 to 2026-12-06 22:40 UTC, commit 0123456789, AMD EPYC \(2 cores, 24 GiB\), wasm \(2 threads\)/,
    );
    expect(md).toMatch(/load average 3\.2 → 5\.0 over the sweep \(per row: 3\.2 → 4\.3; /);
    expect(md).toMatch(/test: 40 good, 20 blowhole, 20 break/);
    expect(md).not.toMatch(/paper \(DM-GRD/);
  });

  it('adds the paper row where the paper has the category', () => {
    const md = formatSweepMarkdown(sweep([row('RD', 10)], paperRowFor('bottle', ['broken_large'])));
    expect(md).toContain(
      '| paper (DM-GRD, WideResNet50) | – | 100.00 | 98.84 | – | 98.97 | – | – | – | – | 5000 | – |',
    );
  });
});

describe('sweep plan and resume', () => {
  const rows = parseSweepSpec('A: --model dmgrd; B: --model rd; M: --model patchcore');
  const commit = '0123456789abcdef0123456789abcdef01234567';
  const here = {
    data: '../shared/data/magnetic-tile/tile',
    common: { teacher: 'efficientnet_b0' as const },
    rows,
  };
  const done = (over: Partial<SweepResult> = {}): SweepResult => ({
    ...sweep(
      [
        row('A', 2, { flags: '--model dmgrd' }),
        row('M', null, { flags: '--model patchcore', steps: null }),
        row('B', 2, { error: 'lost' }),
      ],
      null,
    ),
    common: { teacher: 'efficientnet_b0' },
    ...over,
  });

  it('runs every trained row at every budget and fits the memory baseline once', () => {
    const plan = planRuns(rows, [2, 10], {});
    expect(plan.map((p) => [p.n, p.row.name, p.minutes])).toEqual([
      [1, 'A', 2],
      [2, 'B', 2],
      [3, 'M', null],
      [4, 'A', 10],
      [5, 'B', 10],
    ]);
    expect(planRuns(rows, null, {}).map((p) => p.minutes)).toEqual([null, null, null]);
  });

  it('goes on with what the file has not finished, failed runs included', () => {
    const plan = planRuns(rows, [2, 10], {});
    expect(pendingRuns(plan, done()).map((p) => p.n)).toEqual([2, 4, 5]);
    expect(pendingRuns(plan, null)).toEqual(plan);
  });

  it('refuses a file of other data, rows, flags or code', () => {
    const git = { commit, dirty: false };
    expect(resumeProblem(done(), { ...here, git })).toBeNull();
    expect(resumeProblem(done(), { ...here, data: 'x', git })).toMatch(/measured .*tile, not x/);
    expect(resumeProblem(done(), { ...here, common: {}, git })).toMatch(/common flags differ/);
    expect(resumeProblem(done(), { ...here, rows: rows.slice(1), git })).toMatch(/row "A" is not in/);
    const otherFlags = parseSweepSpec('A: --model dmgrd --lr 0.001; B: --model rd; M: --model patchcore');
    expect(resumeProblem(done(), { ...here, rows: otherFlags, git })).toMatch(/row "A" has other flags/);
    expect(resumeProblem(done(), { ...here, git: { commit: 'f'.repeat(40), dirty: false } })).toMatch(
      /commit 0123456789; check that commit out/,
    );
    expect(resumeProblem(done(), { ...here, git: { commit, dirty: true } })).toMatch(/check that commit out/);
    expect(resumeProblem(done({ git: { commit, dirty: true } }), { ...here, git })).toMatch(/uncommitted/);
  });

  it('takes --resume only with a sweep and its file', () => {
    expect(
      parseArgs(['--data', 'x', '--sweep', 'a: --model rd', '--out', 'o', '--resume']).runner.resume,
    ).toBe(true);
    expect(() => parseArgs(['--data', 'x', '--sweep', 'a: --model rd', '--resume'])).toThrow(/--out/);
    expect(() => parseArgs(['--data', 'x', '--resume'])).toThrow(/--sweep/);
  });
});
