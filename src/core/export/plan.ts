/** What an export will write, shown before anything is written: its files, their contents and sizes. */

/** The exports for other tools (`npm run bench -- --export` writes these). */
export const EXPORT_KINDS = ['pytorch', 'report', 'web'] as const;
/** Those, and the playground's own checkpoint (the model as this app imports it again). */
export type ExportKind = (typeof EXPORT_KINDS)[number] | 'checkpoint';

export interface ExportItem {
  /** Path inside the download (the file itself for a single-file export). */
  path: string;
  /** Size in bytes; `approximate` when the exact size is only known once written. */
  bytes: number;
  approximate: boolean;
  /** What the file holds, in words. */
  what: string;
}

export interface ExportPlan {
  kind: ExportKind;
  /** Name of the file the export downloads. */
  fileName: string;
  items: ExportItem[];
  totalBytes: number;
}

export function planOf(kind: ExportKind, fileName: string, items: ExportItem[]): ExportPlan {
  return { kind, fileName, items, totalBytes: items.reduce((n, i) => n + i.bytes, 0) };
}

/** Keeps names portable: letters, digits, dot, dash and underscore. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
}

export function checkpointFileName(model: string, dataset: string, teacher: string, step: number): string {
  return `${safeName(model)}-${safeName(dataset)}-${safeName(teacher)}-step${step}.safetensors`;
}
