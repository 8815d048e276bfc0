import type { EngineEvent } from '../../workers/engine-api';
import { getEngine, subscribeEngine, type Engine } from './engine';

declare global {
  interface Window {
    /** The engine worker's comlink proxy, for tests and the benchmark runner (`?automation=1`). */
    __engine?: Engine;
    /** Every engine event since the page loaded (automation mode only). */
    __engineEvents?: EngineEvent[];
  }
}

/**
 * With `?automation=1` the page exposes the engine to Playwright, so the benchmark and e2e tests
 * drive exactly the worker API the UI uses. Off by default: nothing is exposed in normal use.
 */
export async function installAutomationHook(search: string = location.search): Promise<void> {
  if (new URLSearchParams(search).get('automation') !== '1') return;
  window.__engine = getEngine();
  window.__engineEvents = [];
  await subscribeEngine((e) => {
    window.__engineEvents!.push(e);
  });
}
