import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

/** `../shared` beside the repository (read at run time, never copied into the repo). */
export const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');

export function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Every file under `dir` as a sorted `/`-separated path relative to it. */
export function listRelative(dir: string): string[] {
  return listFiles(dir)
    .map((f) => relative(dir, f).split('\\').join('/'))
    .sort();
}

/**
 * Serves a local folder to the page under `/__data__/<name>/…` by intercepting the requests in
 * Playwright, so the page reads it from its own origin; returns the relative paths a folder drop
 * would give (`<name>/train/good/000.png`). `files` (relative to `dir`) restricts it to a subset.
 */
export async function serveFolder(
  page: Page,
  dir: string,
  name: string,
  files: string[] = listRelative(dir),
): Promise<string[]> {
  await page.route(`**/__data__/${name}/**`, async (route) => {
    const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(`/__data__/${name}/`, ''));
    if (!files.includes(rel)) return route.fulfill({ status: 404 });
    await route.fulfill({ body: readFileSync(join(dir, rel)), contentType: 'application/octet-stream' });
  });
  return files.map((f) => `${name}/${f}`);
}
