import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTeacher } from '../../src/core/backbones';
import { validateConfig } from '../../src/core/config';
import { decodeSession } from '../../src/core/pipeline/checkpoint';
import { Session } from '../../src/core/pipeline/session';
import { CANCELLED_ERROR_NAME, type DatasetSummary, type EngineEvent } from '../../workers/engine-api';
import { exportCommands } from '../../workers/session/export';
import { fileExportCommands } from '../../workers/session/file-exports';
import { createSessionContext, type SessionContext } from '../../workers/session/state';
import { TaskRegistry } from '../../workers/tasks';
import { loadMvtecFolder } from '../../scripts/lib/node-dataset';
import { useBackend } from '../helpers/backends';
import { sharedPath } from '../helpers/golden';
import { dirReader } from '../../scripts/lib/dir-reader';

// The worker's export commands on a tiny session: plan, write with progress, cancel, and the
// message when an export cannot be written.
describe('the worker’s file exports', () => {
  const events: EngineEvent[] = [];
  let ctx: SessionContext;
  let commands: ReturnType<typeof fileExportCommands>;

  beforeAll(async () => {
    await useBackend('wasm');
    const data = loadMvtecFolder(sharedPath('data/mvtec-256/bottle'), 32, { maxTrain: 6, testEvery: 40 });
    const teacher = await loadTeacher(
      'mobilenet_v2',
      dirReader(sharedPath('models/mobilenet_v2_0.35_keras')),
    );
    const config = validateConfig({ teacher: 'mobilenet_v2', imageSize: 32, batchSize: 2, memoryItems: 3 });
    const tasks = new TaskRegistry((e) => events.push(e));
    ctx = createSessionContext(tasks, (e) => events.push(e));
    ctx.state.data = data;
    ctx.state.teacher = teacher;
    ctx.state.summary = {
      category: 'bottle',
      layout: 'mvtec',
      size: 32,
      counts: { train: data.train.length, test: {}, testTotal: data.test.length, masks: 0, ignored: 0 },
      problems: [],
      textures: 0,
    } as Partial<DatasetSummary> as DatasetSummary;
    ctx.state.session = await Session.create(teacher, data, config);
    commands = fileExportCommands(ctx);
  });
  afterAll(() => {
    ctx.state.session?.dispose();
    ctx.state.teacher?.dispose();
  });

  it('plans the PyTorch export, then writes it with progress events', async () => {
    const plan = await commands.exportPlan('pytorch');
    expect(plan.fileName).toBe('bottle-dmgrd-mobilenet_v2-step0-pytorch.zip');
    const file = await commands.exportFile('pytorch', { taskId: 'export-1' });
    expect(file.fileName).toBe(plan.fileName);
    expect(Math.abs(file.blob.size - plan.totalBytes) / file.blob.size).toBeLessThan(0.02);
    const progress = events.filter((e) => e.type === 'progress' && e.task === 'export-1');
    expect(progress.length).toBeGreaterThan(10);
    expect(events.at(-1)).toEqual({ type: 'task', task: 'export-1', state: 'finished' });
  });

  it('stops at the next storage when the task is cancelled, writing nothing', async () => {
    const running = commands.exportFile('pytorch', { taskId: 'export-2' });
    ctx.tasks.cancel('export-2');
    await expect(running).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });
  });

  it('plans the checkpoint to the byte, writes it with a progress event per tensor, and stops when cancelled', async () => {
    const plan = await commands.exportPlan('checkpoint');
    expect(plan.fileName).toBe('dmgrd-bottle-mobilenet_v2-step0.safetensors');
    expect(plan.items.map((i) => i.path)).toEqual([
      'param/*',
      'buffer/*',
      'memory.normal.*',
      'memory.abnormal.*',
      '__metadata__',
    ]);
    expect(plan.items.some((i) => i.approximate)).toBe(false);
    expect(plan.items[2].what).toBe('the normal memory bank (3 items × 3 teacher levels)');

    const cancelled = commands.exportFile('checkpoint', { taskId: 'checkpoint-cancelled' });
    ctx.tasks.cancel('checkpoint-cancelled');
    await expect(cancelled).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });
    expect(events.at(-1)).toMatchObject({ type: 'task', task: 'checkpoint-cancelled', state: 'cancelled' });

    const file = await commands.exportFile('checkpoint', { taskId: 'checkpoint-1' });
    expect(file.fileName).toBe(plan.fileName);
    expect(file.blob.size).toBe(plan.totalBytes);
    const bytes = new Uint8Array(await file.blob.arrayBuffer());
    // The same file as the engine's exportCheckpoint, and one the playground imports again.
    // (Compared as a Buffer: toEqual walks a typed array element by element, minutes for megabytes.)
    const engineBytes = await exportCommands(ctx).exportCheckpoint();
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(engineBytes))).toBe(0);
    const { meta, arrays } = decodeSession(bytes);
    expect(meta.step).toBe(0);
    expect([...arrays.keys()].filter((k) => k.startsWith('adam.'))).toEqual([]);
    const dataBytes = plan.totalBytes - plan.items.at(-1)!.bytes;
    const progress = events.flatMap((e) => (e.type === 'progress' && e.task === 'checkpoint-1' ? [e] : []));
    expect(progress).toHaveLength(arrays.size);
    expect(progress.every((e) => e.total === dataBytes && e.message === 'Writing the checkpoint')).toBe(true);
    const done = progress.map((e) => e.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(dataBytes);
  });

  it('says why the report and the web package cannot be written yet', async () => {
    await expect(commands.exportPlan('report', {})).rejects.toThrow(/Evaluate the model first/);
    await expect(commands.exportPlan('web', {})).rejects.toThrow(/Evaluate the model first/);
    ctx.state.evaluation = await ctx.state.session!.evaluate();
    // Node has no copy of the built app to fetch the package's code from.
    await expect(commands.exportPlan('web', {})).rejects.toThrow(/no web package code/);
    const plan = await commands.exportPlan('report', {
      results: {
        imageThreshold: 0,
        pixelThreshold: 0,
        view: { opacity: 0.5, colormap: 'jet', showMask: true, showSeg: true },
        backend: 'WASM',
      },
    });
    expect(plan.fileName).toBe('bottle-dmgrd-mobilenet_v2-step0-report.html');
  });

  it('writes the report with a progress event per overlay, and stops when cancelled', async () => {
    // At threshold 0 every normal test image is a false positive with an overlay.
    const results = {
      imageThreshold: 0,
      pixelThreshold: 0,
      view: { opacity: 0.5, colormap: 'jet' as const, showMask: true, showSeg: true },
      backend: 'WASM',
    };
    const normal = Array.from(ctx.state.evaluation!.labels).filter((l) => l === 0).length;
    expect(normal).toBeGreaterThan(0);
    const running = commands.exportFile('report', { results, taskId: 'report-cancelled' });
    ctx.tasks.cancel('report-cancelled');
    await expect(running).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });

    const file = await commands.exportFile('report', { results, taskId: 'report-1' });
    expect(file.fileName).toBe('bottle-dmgrd-mobilenet_v2-step0-report.html');
    const html = await file.blob.text();
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(Math.min(normal, 8));
    const progress = events.filter((e) => e.type === 'progress' && e.task === 'report-1');
    expect(progress.map((e) => (e.type === 'progress' ? e.done : -1))).toEqual(
      Array.from({ length: Math.min(normal, 8) }, (_, k) => k + 1),
    );
  });
});
