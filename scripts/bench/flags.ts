// Flag parsing shared by the benchmark CLIs (`npm run bench`, `npm run bench:speed`): Node's own
// parseArgs does the tokenising; each CLI keeps its flag table and turns the raw strings into its
// options with the value checks below.
import { parseArgs } from 'node:util';

export interface FlagOption {
  type: 'string' | 'boolean';
  short?: string;
}

/** A flag of a CLI's help table. */
export interface FlagSpec extends FlagOption {
  help: string;
}

/** The bundle a browser-driven CLI builds and serves (see ensureBuilt in harness.ts). */
export const BUNDLE_FLAGS = {
  dist: { type: 'string', help: 'bundle folder to build into and serve (default dist/)' },
  build: { type: 'boolean', help: 'always rebuild the bundle (default: only when missing or stale)' },
  'no-build': { type: 'boolean', help: 'never build; use the bundle as it is' },
} as const satisfies Record<string, FlagSpec>;

/** --help (-h); the older spelling --h is accepted but not listed. */
export const HELP_FLAG = {
  help: { type: 'boolean', short: 'h', help: 'this text' },
} as const satisfies Record<string, FlagSpec>;
const OLD_HELP: Record<string, FlagOption> = { h: { type: 'boolean' } };

/** A bad value; `parse` rethrows it as the CLI's own error class. */
export class FlagError extends Error {
  override name = 'FlagError';
}

/** One flag as given: `value` is the string of a string flag, undefined for a boolean one. */
export interface FlagToken {
  name: string;
  value: string | undefined;
}

function isParseArgsError(e: unknown): e is TypeError & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * Parses `argv` against `options` with Node's parseArgs (strict, no positional words) and hands the
 * flags, in command-line order so that of repeated or aliased flags the last one wins, to `read`.
 * Unknown flags, positional words, a string flag without its value and a boolean flag with one give
 * a one-line error naming the flag; that and every FlagError `read` throws become an `ErrorClass`,
 * the CLI's own error class that its caller catches.
 */
export function parse<T>(
  argv: readonly string[],
  options: Record<string, FlagOption>,
  ErrorClass: new (message: string) => Error,
  read: (tokens: FlagToken[]) => T,
): T {
  try {
    const { tokens } = parseArgs({
      args: [...argv],
      options: { ...OLD_HELP, ...options },
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
    return read(
      tokens.flatMap((t) =>
        t.kind === 'option' ? [{ name: t.name === 'h' ? 'help' : t.name, value: t.value }] : [],
      ),
    );
  } catch (e) {
    if (e instanceof FlagError) throw new ErrorClass(e.message);
    if (!isParseArgsError(e)) throw e;
    const message = e.message.split('\n').join(' ');
    throw new ErrorClass(
      e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `${message}. Run with --help for the list.` : message,
    );
  }
}

/** Help lines of a flag table: `  --flag<padding> help`. */
export function helpLines(flags: Record<string, FlagSpec>, width: number): string[] {
  return Object.entries(flags).map(([f, { help }]) => `  --${f.padEnd(width)} ${help}`);
}

export function wholeNumber(flag: string, raw: string | undefined, min: number): number {
  const v = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(v) || v < min)
    throw new FlagError(
      `--${flag} needs ${min === 1 ? 'a positive whole number' : `a whole number >= ${min}`}.`,
    );
  return v;
}

export function pathValue(flag: string, raw: string | undefined): string {
  if (!raw) throw new FlagError(`--${flag} needs a path.`);
  return raw;
}

/** `raw` as one of `allowed`; the message lists them as `a, b or c`. */
export function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(raw as T))
    throw new FlagError(`--${flag} must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}.`);
  return raw as T;
}
