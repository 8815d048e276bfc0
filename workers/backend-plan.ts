import {
  BACKEND_ORDER,
  BACKEND_QUERY_PARAM,
  type BackendName,
  type BackendRequest,
  type FallbackReason,
} from './engine-api';

export const BACKEND_LABEL: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  wasm: 'WASM',
  webgl: 'WebGL',
  cpu: 'CPU',
};

export interface BackendPlan {
  /** Backends to try, in order; always ends with cpu, which cannot fail. */
  order: BackendName[];
  /** Backends ranked above a forced one, with the reason they are skipped. */
  disabled: FallbackReason[];
}

/** A forced backend disables those ranked above it; if it fails, only lower ones are tried. */
export function planBackends(request: BackendRequest): BackendPlan {
  if (request === 'auto') return { order: [...BACKEND_ORDER], disabled: [] };
  const at = BACKEND_ORDER.indexOf(request);
  return {
    order: BACKEND_ORDER.slice(at),
    disabled: BACKEND_ORDER.slice(0, at).map((backend) => ({
      backend,
      reason: `${BACKEND_LABEL[backend]} disabled by ?${BACKEND_QUERY_PARAM}=${request}`,
    })),
  };
}
