// What every benchmark CLI shares, browser-driven or not: the repository root, the exit-code
// convention, the git state a report records and how durations print. No browser imports here, so
// the Node bundle of `bench:speed` (scripts/speed/node-bundle.config.ts) can load it on a machine
// without Playwright.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json above this file: the repository, from its sources or a bundle. */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** A failure the user can fix (bad folder, missing build): the CLI prints only the message. */
export class BenchError extends Error {
  override name = 'BenchError';
}

/**
 * Runs a CLI's `main`: its return value is the exit code; a BenchError prints one line and exits 1.
 * Await it at the top level where `main` imports modules on demand: vite-node closes its module
 * server once the entry module has finished evaluating.
 */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  return main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof BenchError ? `${name}: ${e.message}` : e);
      process.exit(1);
    },
  );
}

export type BuildMode = 'auto' | 'always' | 'never';

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

export function gitInfo(): GitInfo {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const commit = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain') !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

export const fmtDuration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};
