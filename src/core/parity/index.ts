import * as tf from '@tensorflow/tfjs';
import { ReportSink, type Fixture, type ParityReport } from './compare';
import { FIXTURE_RUNNERS } from './fixtures';

export { TOLERANCE, type ErrorKind, type ParityReport } from './compare';
export { FIXTURE_RUNNERS } from './fixtures';
export { PARITY_FILES } from './files';

export interface ParityOptions {
  /** Fixture names (with or without `.safetensors[.gz]`) to run; all given fixtures when omitted. */
  only?: string[];
}

/** `backbone_resnet18.safetensors.gz` → `backbone_resnet18`. */
export function fixtureName(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.gz$/, '').replace(/\.safetensors$/, '');
}

/**
 * Runs the forward-pass golden checks of every fixture in `fixtures` (parsed with readSafetensors,
 * keyed by file or fixture name) on the active TF.js backend. A fixture without forward checks is
 * reported as skipped. Errors thrown by a runner (missing tensor, shape mismatch) propagate.
 */
export async function runParityChecks(
  fixtures: Map<string, Fixture>,
  opts: ParityOptions = {},
): Promise<ParityReport[]> {
  await tf.ready();
  const only = opts.only?.map(fixtureName);
  const reports: ParityReport[] = [];
  for (const [file, g] of fixtures) {
    const name = fixtureName(file);
    if (only && !only.includes(name)) continue;
    const sink = new ReportSink(name);
    const runner = FIXTURE_RUNNERS[name];
    if (runner) await runner(g, sink);
    else sink.skip('*', 0, 'range', 'no forward checks for this fixture');
    reports.push(...sink.reports);
  }
  return reports;
}
