import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  FIXTURE_RUNNERS,
  PARITY_FILES as FILES,
  runParityChecks,
  type ParityReport,
} from '../../src/core/parity';
import type { NamedArray } from '../../src/core/io/safetensors';
import { hasShared, loadGolden } from '../helpers/golden';
import { useBackend } from '../helpers/backends';

const table: string[] = [];
afterAll(() => console.log(table.join('\n')));

describe.skipIf(!hasShared())('runParityChecks (the in-browser golden run) in Node', () => {
  let fixtures: Map<string, Map<string, NamedArray>>;
  beforeAll(() => {
    fixtures = new Map(FILES.map((f) => [f, loadGolden(f)]));
  });

  it('covers every forward fixture', () => {
    expect(Object.keys(FIXTURE_RUNNERS).sort()).toEqual(FILES.map((f) => f.split('.')[0]).sort());
  });

  // wasm only: the per-module tests already cover cpu, and the tfjs cpu backend takes ~20 s here.
  it('every check passes on wasm without leaking tensors', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const reports: ParityReport[] = await runParityChecks(fixtures);
    table.push(`wasm: ${Math.round(performance.now() - t0)} ms`);
    for (const r of reports)
      table.push(
        `  ${r.fixture.padEnd(22)} ${r.check.padEnd(44)} ${r.error?.toExponential(2)} / ${r.tolerance}`,
      );
    expect(tf.memory().numTensors).toBe(before);
    expect(reports.length).toBeGreaterThan(60);
    expect(reports.every((r) => r.backend === 'wasm')).toBe(true);
    expect(reports.filter((r) => !r.pass)).toEqual([]);
  });

  it('`only` selects fixtures by name, with or without the extension', async () => {
    await useBackend('wasm');
    const r = await runParityChecks(fixtures, { only: ['memory_bank', 'losses.safetensors'] });
    expect(new Set(r.map((x) => x.fixture))).toEqual(new Set(['memory_bank', 'losses']));
  });
});
