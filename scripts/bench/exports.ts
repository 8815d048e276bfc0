// `npm run bench -- --export <dir>`: every file export of the trained model, written as the
// Export panel downloads it, through the same worker commands.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { EXPORT_KINDS, type ExportKind } from '../../src/core/export/plan';
import { describeBackend } from '../../src/report/backend';
import { DEFAULT_VIEW } from '../../src/ui/results/view';
import type { BackendInfo, EvaluationSummary, ExportChoices } from '../../workers/engine-api';
import { pumping, type EventPump } from './harness';

/** Bytes per page.evaluate round trip (as base64) when copying a file out of the page. */
const CHUNK = 8 * 1024 * 1024;

type ExportWindow = Window & { __benchExport?: Blob };

export interface WrittenExport {
  kind: ExportKind;
  path: string;
  bytes: number;
}

const mib = (n: number): string => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/**
 * Writes every export of the evaluated model into `dir`. The report and the web package follow the
 * F1-max thresholds and the detail view's default style, as the Results tab shows them at first.
 */
export async function writeExports(
  page: Page,
  pump: EventPump,
  dir: string,
  evaluation: EvaluationSummary,
  backend: BackendInfo,
  log: (line: string) => void,
): Promise<WrittenExport[]> {
  mkdirSync(dir, { recursive: true });
  const choices: ExportChoices = {
    results: {
      imageThreshold: evaluation.metrics.f1Image.threshold,
      pixelThreshold: evaluation.metrics.f1Pixel.threshold,
      view: DEFAULT_VIEW,
      backend: describeBackend(backend),
    },
  };
  const written: WrittenExport[] = [];
  for (const kind of EXPORT_KINDS) {
    const plan = await page.evaluate(({ k, c }) => window.__engine!.exportPlan(k, c), {
      k: kind,
      c: choices,
    });
    log(`export ${kind}: ${plan.fileName} (about ${mib(plan.totalBytes)})`);
    for (const item of plan.items) log(`  ${item.path}: ${item.what} (${mib(item.bytes)})`);
    const size = await pumping(
      pump,
      500,
      page.evaluate(
        async ({ k, c }) => {
          const file = await window.__engine!.exportFile(k, { ...c, taskId: `bench-export-${k}` });
          (window as ExportWindow).__benchExport = file.blob;
          return file.blob.size;
        },
        { k: kind, c: choices },
      ),
    );
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += CHUNK) {
      const base64 = await page.evaluate(
        ({ start, end }) =>
          new Promise<string>((resolve, reject) => {
            const reader = new FileReader();
            reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
            reader.onerror = () => reject(reader.error);
            reader.readAsDataURL((window as ExportWindow).__benchExport!.slice(start, end));
          }),
        { start: at, end: Math.min(size, at + CHUNK) },
      );
      bytes.set(Buffer.from(base64, 'base64'), at);
    }
    await page.evaluate(() => delete (window as ExportWindow).__benchExport);
    const path = join(dir, plan.fileName);
    writeFileSync(path, bytes);
    log(`  wrote ${path} (${mib(size)})`);
    written.push({ kind, path, bytes: size });
  }
  return written;
}
