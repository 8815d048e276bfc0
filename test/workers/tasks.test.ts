import { describe, expect, it } from 'vitest';
import { CANCELLED_ERROR_NAME, type EngineEvent } from '../../workers/engine-api';
import { EventHub } from '../../workers/events';
import { TaskRegistry } from '../../workers/tasks';

function recorder(): { events: EngineEvent[]; registry: TaskRegistry } {
  const events: EngineEvent[] = [];
  return { events, registry: new TaskRegistry((e) => events.push(e)) };
}

describe('TaskRegistry', () => {
  it('runs a task to completion and reports progress and lifecycle', async () => {
    const { events, registry } = recorder();
    const result = await registry.run('t1', async (task) => {
      for (let i = 1; i <= 3; i++) {
        await task.checkpoint();
        task.progress(i, 3, `step ${i}`);
      }
      return 42;
    });
    expect(result).toBe(42);
    expect(events.map((e) => e.type)).toEqual(['task', 'progress', 'progress', 'progress', 'task']);
    expect(events.at(-1)).toEqual({ type: 'task', task: 't1', state: 'finished' });
    expect(registry.isRunning('t1')).toBe(false);
  });

  it('stops a task at its next checkpoint after cancel()', async () => {
    const { events, registry } = recorder();
    let steps = 0;
    const running = registry.run('t2', async (task) => {
      for (;;) {
        await task.checkpoint();
        steps++;
        if (steps === 2) expect(registry.cancel('t2')).toBe(true);
      }
    });
    await expect(running).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });
    expect(steps).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: 'task', task: 't2', state: 'cancelled' });
    expect(registry.cancel('t2')).toBe(false);
  });

  it('a cancelled task that checks its signal itself rejects as cancelled, not as a bare AbortError', async () => {
    const { events, registry } = recorder();
    let signal: AbortSignal | null = null;
    const running = registry.run('t5', async (task) => {
      signal = task.signal;
      await new Promise((r) => setTimeout(r, 5));
      task.signal.throwIfAborted();
    });
    expect(registry.cancel('t5')).toBe(true);
    await expect(running).rejects.toMatchObject({
      name: CANCELLED_ERROR_NAME,
      message: 'Task t5 was cancelled',
    });
    expect(signal!.reason).toMatchObject({ name: CANCELLED_ERROR_NAME });
    expect(events.at(-1)).toMatchObject({ type: 'task', task: 't5', state: 'cancelled' });
    // Code that aborts with its own AbortError (a fetch given the signal) is read the same way.
    const fetching = registry.run('t6', async (task) => {
      await new Promise((r) => setTimeout(r, 5));
      if (task.signal.aborted) throw new DOMException('signal is aborted without reason', 'AbortError');
    });
    registry.cancel('t6');
    await expect(fetching).rejects.toMatchObject({ name: CANCELLED_ERROR_NAME });
  });

  it('reports failures and rejects duplicate ids', async () => {
    const { events, registry } = recorder();
    let release = (): void => {};
    const blocker = registry.run('t3', () => new Promise<void>((r) => (release = r)));
    await expect(registry.run('t3', async () => 1)).rejects.toThrow(/already running/);
    release();
    await blocker;
    await expect(
      registry.run('t4', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(events.at(-1)).toEqual({ type: 'task', task: 't4', state: 'failed', message: 'boom' });
  });
});

describe('EventHub', () => {
  it('fans events out and drops listeners that throw or reject', async () => {
    const hub = new EventHub();
    const seen: string[] = [];
    let brokenCalls = 0;
    let rejectingCalls = 0;
    hub.add((e) => seen.push(e.type));
    hub.add(() => {
      brokenCalls++;
      throw new Error('page gone');
    });
    hub.add((() => {
      rejectingCalls++;
      return Promise.reject(new Error('proxy closed'));
    }) as () => void);
    hub.emit({ type: 'log', level: 'info', message: 'a' });
    await new Promise((r) => setTimeout(r, 0));
    hub.emit({ type: 'log', level: 'info', message: 'b' });
    expect(seen).toEqual(['log', 'log']);
    expect([brokenCalls, rejectingCalls]).toEqual([1, 1]);
  });
});
