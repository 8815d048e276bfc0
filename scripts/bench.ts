// CLI of the benchmark / reproduction runner: `npm run bench -- --data <category folder> [flags]`,
// or several configurations into one table with `--sweep <rows> [--minutes a,b,...]`.
// Everything it does lives in scripts/bench/ (runBenchmark, runSweep), so tests drive the same code.
import { ArgsError, parseArgs, usage } from './bench/args';
import { formatTable } from './bench/report';
import { runCli } from './bench/cli';
import { runBenchmark, writeReport } from './bench/run';
import { runSweep, sweepProblem } from './bench/sweep';
import { parseSweepSpec } from './bench/sweep-spec';
import { formatSweepMarkdown } from './bench/sweep-table';

/** `a` as one shell word, quoted where it has to be. */
const shellWord = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

async function main(argv: string[]): Promise<number> {
  let parsed;
  let rows = null;
  try {
    parsed = parseArgs(argv);
    if (parsed.runner.sweep) rows = parseSweepSpec(parsed.runner.sweep);
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    console.error(`bench: ${e.message}`);
    return 2;
  }
  if (parsed.help) {
    console.log(usage());
    return 0;
  }
  if (rows) {
    const sweep = { common: parsed.config, rows, minutes: parsed.budgets };
    const problem = sweepProblem(sweep);
    if (problem) {
      console.error(`bench: ${problem}`);
      return 2;
    }
    const out = await runSweep({
      ...sweep,
      runner: parsed.runner,
      command: `npm run bench -- ${argv.map(shellWord).join(' ')}`,
    });
    console.log('');
    console.log(formatSweepMarkdown(out.result));
    console.log(`table: ${out.markdownPath}\nJSON: ${out.jsonPath}`);
    return out.result.rows.some((r) => r.error !== null) ? 1 : 0;
  }
  const report = await runBenchmark({
    ...parsed.runner,
    minutes: parsed.budgets?.[0],
    config: parsed.config,
  });
  const path = writeReport(report, parsed.runner.out);
  console.log('');
  console.log(formatTable(report));
  console.log('');
  console.log(`report: ${path}`);
  return 0;
}

runCli('bench', main);
