import * as Comlink from 'comlink';
import type { EngineApi, EngineListener } from '../../workers/engine-api';

export type Engine = Comlink.Remote<EngineApi>;

let engine: Engine | null = null;
let worker: Worker | null = null;
const crashListeners = new Set<(message: string) => void>();

/**
 * Calls `listener` when the worker script fails to load or throws outside a call; comlink would
 * otherwise leave every pending call hanging.
 */
export function onEngineCrash(listener: (message: string) => void): () => void {
  crashListeners.add(listener);
  return () => crashListeners.delete(listener);
}

/** The one engine worker of the page, created on first use. */
export function getEngine(): Engine {
  if (!engine) {
    worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'engine',
    });
    worker.addEventListener('error', (e) => {
      crashed(e.message || 'the engine worker script failed to load (see the browser console)');
    });
    engine = Comlink.wrap<EngineApi>(worker);
  }
  return engine;
}

function crashed(message: string): void {
  for (const listener of crashListeners) listener(message);
}

/**
 * Terminates a worker that no longer answers (see stall-watch.ts), which frees the core it spins
 * on, and tells the crash listeners why. Calls still pending on it never settle; the page has to be
 * reloaded for a new engine, and saved runs resume from the Runs tab.
 */
export function stopEngine(reason: string): void {
  if (!worker) return;
  worker.terminate();
  crashed(reason);
}

/** Subscribes to engine events; resolves to a function that unsubscribes. */
export async function subscribeEngine(listener: EngineListener): Promise<() => void> {
  const e = getEngine();
  const id = await e.subscribe(Comlink.proxy(listener));
  return () => void e.unsubscribe(id);
}

let taskCounter = 0;

/** Ids for long engine tasks; the caller keeps it to call `getEngine().cancel(id)`. */
export function newTaskId(kind: string): string {
  taskCounter += 1;
  return `${kind}-${Date.now().toString(36)}-${taskCounter}`;
}
