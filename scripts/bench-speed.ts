// CLI of the speed benchmark: `npm run bench:speed -- [flags]` (see --help). Everything it does lives
// in scripts/speed/ (runSpeedBench), so the smoke test drives the same code.
import { readFileSync } from 'node:fs';
import { runCli } from './bench/harness';
import { parseSpeedArgs, SpeedArgsError, speedUsage } from './speed/args';
import { formatSpeedTable, type SpeedReport } from './speed/report';
import { runSpeedBench, speedReportPath, writeSpeedReport } from './speed/run';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseSpeedArgs(argv);
  } catch (e) {
    if (!(e instanceof SpeedArgsError)) throw e;
    console.error(`bench:speed: ${e.message}`);
    return 2;
  }
  if (parsed.help) {
    console.log(speedUsage());
    return 0;
  }
  if (parsed.options.print) {
    console.log(formatSpeedTable(JSON.parse(readFileSync(parsed.options.print, 'utf8')) as SpeedReport));
    return 0;
  }
  const path = speedReportPath(new Date(), parsed.options.out);
  const report = await runSpeedBench(parsed.options, {
    onPartial: (r) => writeSpeedReport(r, path),
  });
  writeSpeedReport(report, path);
  console.log('');
  console.log(formatSpeedTable(report));
  console.log('');
  console.log(`report: ${path}`);
  // Success needs numbers: some inference row, or the peak when no case was asked for.
  const measured = report.rows.length
    ? report.rows.some((r) => Object.keys(r.inferMsPerImage).length > 0)
    : report.peak !== null;
  return measured ? 0 : 1;
}

runCli('bench:speed', main);
