// The list of configurations a sweep runs: one row of its table each, written `name: --flag value ...`.
import { existsSync, readFileSync } from 'node:fs';
import type { TrainConfig } from '../../src/core/config';
import { ArgsError, parseConfigArgs } from './args';

export interface SweepRow {
  /** The row's name in the table, e.g. `DM-GRD (reference)`. */
  name: string;
  /** Its flags as written, for the table's notes and the JSON. */
  flags: string;
  /** The options its flags set; the sweep's common flags fill the rest. */
  config: Partial<TrainConfig>;
}

/**
 * Rows from `spec`: the path of a file, or the rows themselves inline. One row per line (inline:
 * also separated by `;`), `name: flags`; blank lines and lines starting with `#` are skipped. Flags
 * are the model / training flags of `npm run bench` (no runner flags: the data, budget and backend
 * are the sweep's). Throws ArgsError naming the row at fault.
 */
export function parseSweepSpec(spec: string): SweepRow[] {
  const isFile = existsSync(spec);
  const lines = (isFile ? readFileSync(spec, 'utf8').split('\n') : spec.split(/[\n;]/))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const rows = lines.map((line): SweepRow => {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!name) throw new ArgsError(`sweep row "${line}" needs a name: write it as "name: --flag value ...".`);
    const flags = line.slice(colon + 1).trim();
    try {
      return { name, flags, config: parseConfigArgs(flags === '' ? [] : flags.split(/\s+/)) };
    } catch (e) {
      if (e instanceof ArgsError) throw new ArgsError(`sweep row "${name}": ${e.message}`);
      throw e;
    }
  });
  if (rows.length === 0) throw new ArgsError(`--sweep ${spec}: no rows (write "name: --flag value ...").`);
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.name)) throw new ArgsError(`sweep row "${r.name}" appears twice.`);
    seen.add(r.name);
  }
  return rows;
}
