// `npm run bench:speed -- [flags]` (see --help): everything it does lives in this folder (runSpeedBench),
// so the smoke test drives the same code.
import { readFileSync } from 'node:fs';
import { parseSpeedArgs, SpeedArgsError, speedUsage } from './args';
import { formatSpeedTable, type SpeedReport } from './report';
import { runSpeedBench, speedReportPath, writeSpeedReport } from './run';

/** The whole CLI: parses `argv`, runs or prints, returns the exit code. */
export async function speedMain(argv: string[]): Promise<number> {
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
