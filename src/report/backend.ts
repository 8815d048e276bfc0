import type { BackendInfo } from '../../workers/engine-api';

const LABEL: Record<BackendInfo['backend'], string> = {
  webgpu: 'WebGPU',
  wasm: 'WASM',
  webgl: 'WebGL',
  cpu: 'CPU',
};

/** The backend in one line, as a report states it: `WASM, 2 threads (SIMD)` or `WebGPU, <adapter>`. */
export function describeBackend(info: BackendInfo | null): string {
  if (!info) return 'unknown (the engine had not started)';
  const parts = [LABEL[info.backend]];
  if (info.adapter) {
    const adapter = [info.adapter.vendor, info.adapter.architecture, info.adapter.description].filter(
      Boolean,
    );
    parts.push(adapter.length ? adapter.join(' ') : 'adapter without description');
  }
  if (info.wasmThreads !== null)
    parts.push(
      `${info.wasmThreads} thread${info.wasmThreads === 1 ? '' : 's'}${info.wasmSimd ? ' (SIMD)' : ''}`,
    );
  parts.push(`${info.hardwareConcurrency} logical cores`);
  return parts.join(', ');
}
