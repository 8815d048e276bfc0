import { BACKEND_LABEL } from '../../workers/backend-plan';
import type { BackendInfo } from '../../workers/engine-api';

/** "WASM (2 threads, SIMD)", "WebGPU (nvidia NVIDIA GeForce RTX 4070)", "CPU". */
export function backendTitle(info: BackendInfo): string {
  const label = BACKEND_LABEL[info.backend];
  if (info.backend === 'wasm' && info.wasmThreads !== null) {
    const threads = `${info.wasmThreads} thread${info.wasmThreads === 1 ? '' : 's'}`;
    return `${label} (${threads}, ${info.wasmSimd ? 'SIMD' : 'no SIMD'})`;
  }
  if (info.backend === 'webgpu' && info.adapter) {
    const name = [info.adapter.vendor, info.adapter.description].filter((v) => v !== '').join(' ');
    return name ? `${label} (${name})` : label;
  }
  return label;
}

/** What runs and why: "WASM (2 threads, SIMD): the WebGPU adapter is SwiftShader, a software fallback…". */
export function choiceSentence(info: BackendInfo): string {
  return `${backendTitle(info)}: ${info.choice.reason}.`;
}

/** With a forced backend: what automatic selection picks here instead; null when automatic. */
export function autoSentence(info: BackendInfo): string | null {
  const auto = info.choice.auto;
  if (!auto) return null;
  if (auto.backend === null) return `Without it, automatic selection decides by a probe: ${auto.reason}.`;
  const same = auto.backend === info.backend ? ' too' : '';
  return `Without it, automatic selection picks ${BACKEND_LABEL[auto.backend]}${same}: ${auto.reason}.`;
}
