import { describe, expect, it } from 'vitest';
import { autoSentence, backendTitle, choiceSentence } from '../../src/ui/backend-choice-text';
import type { BackendInfo } from '../../workers/engine-api';

const SWIFTSHADER = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '0xc0de',
  description: 'SwiftShader Device (Subzero)',
  isFallbackAdapter: false,
};

const info = (fields: Partial<BackendInfo>): BackendInfo => ({
  apiVersion: 2,
  backend: 'wasm',
  requested: 'auto',
  choice: { basis: 'software-adapter', reason: 'the WebGPU adapter is SwiftShader', probe: null, auto: null },
  fallbacks: [],
  adapter: SWIFTSHADER,
  crossOriginIsolated: true,
  hardwareConcurrency: 2,
  wasmThreads: 2,
  wasmSimd: true,
  wasmThreadedBuild: true,
  simdKernels: true,
  tfjsVersion: '4.22.0',
  initMs: 10,
  ...fields,
});

describe('backend panel texts', () => {
  it('names the backend with what it runs on', () => {
    expect(backendTitle(info({}))).toBe('WASM (2 threads, SIMD)');
    expect(backendTitle(info({ wasmThreads: 1, wasmSimd: false }))).toBe('WASM (1 thread, no SIMD)');
    expect(backendTitle(info({ backend: 'webgpu', wasmThreads: null }))).toBe(
      'WebGPU (google SwiftShader Device (Subzero))',
    );
    expect(backendTitle(info({ backend: 'cpu', wasmThreads: null }))).toBe('CPU');
  });

  it('says what was chosen and why; nothing about auto when automatic', () => {
    expect(choiceSentence(info({}))).toBe('WASM (2 threads, SIMD): the WebGPU adapter is SwiftShader.');
    expect(autoSentence(info({}))).toBeNull();
  });

  it('a forced backend says the URL forced it and what auto would pick', () => {
    const forced = info({
      requested: 'wasm',
      choice: {
        basis: 'forced',
        reason: 'forced by ?backend=wasm in the URL',
        probe: null,
        auto: { backend: 'wasm', reason: 'the WebGPU adapter is SwiftShader' },
      },
    });
    expect(choiceSentence(forced)).toBe('WASM (2 threads, SIMD): forced by ?backend=wasm in the URL.');
    expect(autoSentence(forced)).toBe(
      'Without it, automatic selection picks WASM too: the WebGPU adapter is SwiftShader.',
    );
    const other = {
      ...forced,
      choice: { ...forced.choice, auto: { backend: 'webgpu' as const, reason: 'probe 5 ms vs WASM 80 ms' } },
    };
    expect(autoSentence(other)).toBe(
      'Without it, automatic selection picks WebGPU: probe 5 ms vs WASM 80 ms.',
    );
    const unknown = {
      ...forced,
      choice: { ...forced.choice, auto: { backend: null, reason: 'it would time both' } },
    };
    expect(autoSentence(unknown)).toBe(
      'Without it, automatic selection decides by a probe: it would time both.',
    );
  });
});
