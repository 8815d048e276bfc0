import type { EngineEvent, EngineListener } from '../../workers/engine-api';
import { subscribeEngine } from './engine';

const listeners = new Set<EngineListener>();
let subscribed: Promise<unknown> | null = null;

/**
 * Listens to engine events through one shared worker subscription (each worker subscription costs
 * a message per event). Returns a function that stops listening.
 */
export function onEngineEvent(listener: EngineListener): () => void {
  listeners.add(listener);
  subscribed ??= subscribeEngine((event: EngineEvent) => {
    for (const l of listeners) l(event);
  });
  return () => listeners.delete(listener);
}
