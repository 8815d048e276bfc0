// Turns the step log of .ci/run and the vitest / playwright JSON reports into one totals line.
// Usage: node .ci/totals.mjs STEPS_TSV VITEST_JSON PLAYWRIGHT_JSON. Exits 1 when anything failed.
import { existsSync, readFileSync } from 'node:fs';

const [stepsPath, vitestPath, playwrightPath] = process.argv.slice(2);

// Whatever goes wrong in here, the last line must still be the totals.
process.on('uncaughtException', (err) => {
  console.error(err);
  console.log('0 passed, 1 failed');
  process.exit(2);
});

function readJson(path) {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Returns [passed, failed] from a suite's report, or null when there is none. */
const suiteCounters = {
  vitest: (r) => [r.numPassedTests ?? 0, (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0)],
  playwright: (r) => [(r.stats?.expected ?? 0) + (r.stats?.flaky ?? 0), r.stats?.unexpected ?? 0],
};
const reports = { vitest: readJson(vitestPath), playwright: readJson(playwrightPath) };

let passed = 0;
let failed = 0;
const lines = [];
const steps = existsSync(stepsPath) ? readFileSync(stepsPath, 'utf8').trim().split('\n').filter(Boolean) : [];

for (const line of steps) {
  const [kind, name, rcText] = line.split('\t');
  const rc = Number(rcText);
  if (kind === 'suite') {
    const report = reports[name];
    let [p, f] = report ? suiteCounters[name](report) : [0, 0];
    // A crash before or after the tests (no report, or failures outside any test) is one failure.
    if (rc !== 0 && f === 0) f = 1;
    passed += p;
    failed += f;
    lines.push(`${name.padEnd(12)} ${p} passed, ${f} failed${report ? '' : ' (no JSON report)'}`);
  } else if (kind === 'check') {
    if (rc === 0) passed++;
    else failed++;
    lines.push(`${name.padEnd(12)} ${rc === 0 ? 'ok' : `FAILED (exit ${rc})`}`);
  } else {
    if (rc !== 0) failed++;
    lines.push(`${name.padEnd(12)} ${rc === 0 ? 'ok (setup)' : `FAILED (setup, exit ${rc})`}`);
  }
}
if (steps.length === 0) {
  failed++;
  lines.push('no steps recorded');
}

console.log('\n=== summary');
for (const l of lines) console.log(l);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
