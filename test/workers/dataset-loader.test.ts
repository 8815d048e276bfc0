import { describe, expect, it, vi } from 'vitest';
import { loadDatasetFiles } from '../../workers/session/dataset-loader';
import type { TaskHandle } from '../../workers/tasks';

// Node has no image decoder: a blob reading "corrupt" fails as the browser's would, any other
// decodes to a grey square of the asked size.
vi.mock('../../workers/session/decode', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../workers/session/decode')>();
  const check = async (blob: Blob) => {
    if ((await blob.text()) === 'corrupt')
      throw new real.DecodeError('the browser cannot decode this PNG file', 'decode-failed');
  };
  return {
    ...real,
    decodeImage: async (blob: Blob, size: number) => {
      await check(blob);
      const image = { data: new Float32Array(size * size * 3).fill(0.5), height: size, width: size };
      return { image, width: size, height: size, reduced: false };
    },
    decodeMask: async (blob: Blob, size: number) => {
      await check(blob);
      return { mask: new Uint8Array(size * size), width: size, height: size, reduced: false };
    },
  };
});

const task: TaskHandle = {
  id: 'load',
  signal: new AbortController().signal,
  checkpoint: async () => {},
  progress: () => {},
};

const folder = (files: Record<string, string>) =>
  Object.entries(files).map(([path, text]) => ({ path, file: new Blob([text]) }));

describe('files left out of a loaded folder', () => {
  it('each one is in the problems: a mask whose image could not be read is listed with it', async () => {
    const { summary } = await loadDatasetFiles(
      folder({
        'cat/train/good/000.png': 'ok',
        'cat/train/good/001.png': 'corrupt',
        'cat/train/good/002.png': 'ok',
        'cat/test/good/000.png': 'corrupt',
        'cat/test/crack/000.png': 'corrupt',
        'cat/ground_truth/crack/000_mask.png': 'ok',
        'cat/test/crack/001.png': 'ok',
        'cat/ground_truth/crack/001_mask.png': 'ok',
      }),
      { taskId: 'load', size: 8 },
      task,
    );
    expect(summary.counts.ignored).toBe(4);
    const byPath = new Map(summary.problems.map((p) => [p.path, p]));
    for (const path of ['cat/train/good/001.png', 'cat/test/good/000.png', 'cat/test/crack/000.png'])
      expect(byPath.get(path)?.code).toBe('decode-failed');
    expect(byPath.get('cat/ground_truth/crack/000_mask.png')).toEqual({
      code: 'orphan-mask',
      severity: 'info',
      path: 'cat/ground_truth/crack/000_mask.png',
      message:
        'cat/ground_truth/crack/000_mask.png is the mask of cat/test/crack/000.png, which could not be read.',
      consequence: 'Left out with its image.',
    });
    expect(summary.problems.filter((p) => p.path !== undefined)).toHaveLength(summary.counts.ignored);
  });

  it('files left out without a line of their own are counted in one line', async () => {
    const { summary } = await loadDatasetFiles(
      folder({
        'cat/train/good/000.png': 'ok',
        'cat/train/good/.DS_Store': 'junk',
        '__MACOSX/cat/train/good/._000.png': 'junk',
        'cat/readme.txt': 'notes',
        'cat/test/good/000.png': 'ok',
      }),
      { taskId: 'load', size: 8 },
      task,
    );
    expect(summary.counts.ignored).toBe(3);
    const notImage = summary.problems.filter((p) => p.code === 'not-an-image');
    expect(notImage.map((p) => p.path)).toEqual(['cat/readme.txt']);
    const rest = summary.problems.filter((p) => p.code === 'left-out');
    expect(rest).toHaveLength(1);
    expect(rest[0].message).toMatch(
      /^2 files left out without a line of their own: system files \(\.DS_Store/,
    );
  });

  it('a folder with nothing left out has no such line', async () => {
    const { summary } = await loadDatasetFiles(
      folder({ 'cat/train/good/000.png': 'ok', 'cat/test/good/000.png': 'ok' }),
      { taskId: 'load', size: 8 },
      task,
    );
    expect(summary.counts.ignored).toBe(0);
    expect(summary.problems.map((p) => p.code)).toEqual(['no-anomalous-test']);
  });
});
