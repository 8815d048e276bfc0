import type { AdapterSummary } from './engine-api';

/**
 * CPU renderers behind a WebGPU adapter, by the words their drivers put in GPUAdapterInfo. Each
 * runs shaders on the same cores WASM would use, with a driver and a shader JIT in between, so it is
 * slower than WASM (SwiftShader: about 70x per image on a 2-core machine).
 */
const SOFTWARE_RENDERERS: readonly { pattern: RegExp; name: string }[] = [
  { pattern: /swiftshader/i, name: 'SwiftShader' },
  { pattern: /lavapipe/i, name: 'lavapipe' },
  { pattern: /llvmpipe/i, name: 'llvmpipe' },
  { pattern: /basic render/i, name: 'Microsoft Basic Render Driver' },
  { pattern: /\bsoftware\b/i, name: 'a software renderer' },
];

/**
 * The name of the software renderer behind `adapter`, or null when it looks like a real GPU (or
 * says too little to tell; automatic selection then times both backends).
 */
export function softwareRenderer(adapter: AdapterSummary): string | null {
  const text = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join(' ');
  const match = SOFTWARE_RENDERERS.find((r) => r.pattern.test(text));
  if (match) return match.name;
  return adapter.isFallbackAdapter ? 'a fallback adapter' : null;
}

/** One line naming the adapter: its non-empty fields, or a note that it reports none. */
export function describeAdapter(adapter: AdapterSummary): string {
  const text = [adapter.vendor, adapter.architecture, adapter.device, adapter.description]
    .filter((v) => v !== '')
    .join(' ');
  return text || 'an adapter that reports no info';
}
