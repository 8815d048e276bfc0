import { CANCELLED_ERROR_NAME } from '../../workers/engine-api';
import { useEngineStore } from './engine-store';

/** Resolves once the engine has a backend; rejects if it failed to start. */
export function engineReady(): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const { status, error } = useEngineStore.getState();
      if (status === 'ready') resolve();
      else if (status === 'error') reject(new Error(error ?? 'The engine failed to start.'));
      else return false;
      return true;
    };
    if (check()) return;
    const unsubscribe = useEngineStore.subscribe(() => {
      if (check()) unsubscribe();
    });
  });
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** True for the rejection of a task stopped by `cancel(taskId)` (comlink keeps the error name). */
export const isCancelled = (err: unknown): boolean =>
  err instanceof Error && err.name === CANCELLED_ERROR_NAME;

export interface TaskProgress {
  done: number;
  total: number;
  message: string;
  /** The task's own estimate of the time left, when it gives one. */
  etaMs?: number;
}
