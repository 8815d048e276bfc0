// CLI of the benchmark / reproduction runner: `npm run bench -- --data <category folder> [flags]`.
// Everything it does lives in scripts/bench/ (runBenchmark), so tests drive the same code.
import { ArgsError, parseArgs, usage } from './bench/args';
import { formatTable } from './bench/report';
import { runCli } from './bench/cli';
import { runBenchmark, writeReport } from './bench/run';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    console.error(`bench: ${e.message}`);
    return 2;
  }
  if (parsed.help) {
    console.log(usage());
    return 0;
  }
  const report = await runBenchmark({ ...parsed.runner, config: parsed.config });
  const path = writeReport(report, parsed.runner.out);
  console.log('');
  console.log(formatTable(report));
  console.log('');
  console.log(`report: ${path}`);
  return 0;
}

runCli('bench', main);
