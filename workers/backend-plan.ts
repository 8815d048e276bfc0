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
export function planForced(request: BackendName): BackendPlan {
  const at = BACKEND_ORDER.indexOf(request);
  return {
    order: BACKEND_ORDER.slice(at),
    disabled: BACKEND_ORDER.slice(0, at).map((backend) => ({
      backend,
      reason: `not tried: ?${BACKEND_QUERY_PARAM}=${request} in the URL forces ${BACKEND_LABEL[request]}`,
    })),
  };
}

/** `first`, then the rest of BACKEND_ORDER (less `drop`), so a failed pick falls back in the usual order. */
export function orderStartingWith(first: BackendName, drop: BackendName[] = []): BackendName[] {
  return [first, ...BACKEND_ORDER.filter((b) => b !== first && !drop.includes(b))];
}

export const isForced = (request: BackendRequest): request is BackendName => request !== 'auto';
