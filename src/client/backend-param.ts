import { BACKEND_ORDER, BACKEND_QUERY_PARAM, type BackendRequest } from '../../workers/engine-api';

export interface BackendParam {
  request: BackendRequest;
  /** Set when the URL asked for something that is not a backend. */
  ignored: string | null;
}

/** Reads `?backend=webgpu|wasm|webgl|cpu|auto` from a location search string. */
export function parseBackendParam(search: string): BackendParam {
  const raw = new URLSearchParams(search).get(BACKEND_QUERY_PARAM);
  if (raw === null || raw === '') return { request: 'auto', ignored: null };
  const value = raw.trim().toLowerCase();
  if (value === 'auto') return { request: 'auto', ignored: null };
  const match = BACKEND_ORDER.find((b) => b === value);
  return match ? { request: match, ignored: null } : { request: 'auto', ignored: raw };
}
