import type { EngineEvent, EngineListener } from './engine-api';

/** Fan-out of engine events to the UI's comlink-proxied listeners. */
export class EventHub {
  private nextId = 1;
  private readonly listeners = new Map<number, EngineListener>();

  add(listener: EngineListener): number {
    const id = this.nextId++;
    this.listeners.set(id, listener);
    return id;
  }

  remove(id: number): void {
    this.listeners.delete(id);
  }

  /** Never throws: a listener whose page went away is dropped instead of breaking the task. */
  emit = (event: EngineEvent): void => {
    for (const [id, listener] of this.listeners) {
      try {
        // Through comlink the call returns a promise; a rejection means the other side is gone.
        const result: unknown = listener(event);
        if (result instanceof Promise) result.catch(() => this.listeners.delete(id));
      } catch {
        this.listeners.delete(id);
      }
    }
  };
}
