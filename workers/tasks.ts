import { CANCELLED_ERROR_NAME, type EngineEvent, type TaskId } from './engine-api';

/** Thrown at a checkpoint of a cancelled task; its name survives comlink's error transfer. */
export class CancelledError extends Error {
  override name = CANCELLED_ERROR_NAME;
  constructor(readonly task: TaskId) {
    super(`Task ${task} was cancelled`);
  }
}

export interface TaskHandle {
  readonly id: TaskId;
  readonly signal: AbortSignal;
  /**
   * Yields to the worker's event loop, so a pending `cancel` message can be handled, then throws
   * CancelledError if the task was cancelled. Call it between steps (never inside tf.tidy).
   */
  checkpoint(): Promise<void>;
  progress(done: number, total: number, message?: string, etaMs?: number): void;
}

type Emit = (event: EngineEvent) => void;

const isAbortError = (err: unknown): boolean =>
  err instanceof CancelledError || (err instanceof Error && err.name === 'AbortError');

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Running tasks by id, so `cancel(taskId)` (a separate comlink call) can reach them. */
export class TaskRegistry {
  private readonly running = new Map<TaskId, AbortController>();

  constructor(private readonly emit: Emit) {}

  isRunning(id: TaskId): boolean {
    return this.running.has(id);
  }

  /** Ids of the tasks running now. */
  runningIds(): TaskId[] {
    return [...this.running.keys()];
  }

  cancel(id: TaskId): boolean {
    const controller = this.running.get(id);
    if (!controller || controller.signal.aborted) return false;
    // The reason is what `signal.throwIfAborted()` and an aborted fetch throw: without one they
    // throw a bare AbortError ("signal is aborted without reason") that no caller reads as a cancel.
    controller.abort(new CancelledError(id));
    return true;
  }

  /** Runs `body` as task `id`, emitting its lifecycle as `task` events. */
  async run<T>(id: TaskId, body: (task: TaskHandle) => Promise<T>): Promise<T> {
    if (this.running.has(id)) throw new Error(`Task id ${id} is already running`);
    const controller = new AbortController();
    this.running.set(id, controller);
    const { signal } = controller;
    const handle: TaskHandle = {
      id,
      signal,
      checkpoint: async () => {
        await yieldToEventLoop();
        if (signal.aborted) throw new CancelledError(id);
      },
      progress: (done, total, message, etaMs) =>
        this.emit({
          type: 'progress',
          task: id,
          done,
          total,
          message,
          ...(etaMs === undefined ? {} : { etaMs }),
        }),
    };
    this.emit({ type: 'task', task: id, state: 'started' });
    try {
      const result = await body(handle);
      this.emit({ type: 'task', task: id, state: 'finished' });
      return result;
    } catch (thrown) {
      // Code that checks the signal itself may throw its own AbortError; after a cancel it is one.
      const err = signal.aborted && isAbortError(thrown) ? new CancelledError(id) : thrown;
      const cancelled = err instanceof CancelledError;
      const message = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'task', task: id, state: cancelled ? 'cancelled' : 'failed', message });
      throw err;
    } finally {
      this.running.delete(id);
    }
  }
}
