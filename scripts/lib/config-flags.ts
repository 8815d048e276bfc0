import { CONFIG_SCHEMA, type OptionSpec } from '../../src/core/config';

/**
 * `--name value` pairs of a Node script: the CONFIG_SCHEMA options, converted by their kind (numbers,
 * choices, `true`/`false` switches; validateConfig checks them), and the script's own flags as strings.
 */
export function parseConfigFlags(argv: readonly string[]): {
  config: Record<string, unknown>;
  extra: Record<string, string>;
} {
  const config: Record<string, unknown> = {};
  const extra: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(.+)$/.exec(argv[i]);
    if (!m) continue;
    const value = argv[++i];
    const spec = (CONFIG_SCHEMA as Record<string, OptionSpec>)[m[1]];
    if (!spec) extra[m[1]] = value;
    else
      config[m[1]] =
        spec.kind === 'number' ? Number(value) : spec.kind === 'choice' ? value : value === 'true';
  }
  return { config, extra };
}
