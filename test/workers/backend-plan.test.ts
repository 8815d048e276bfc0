import { describe, expect, it } from 'vitest';
import { planBackends } from '../../workers/backend-plan';
import { parseBackendParam } from '../../src/client/backend-param';

describe('planBackends', () => {
  it('tries every backend in preference order when automatic', () => {
    expect(planBackends('auto')).toEqual({ order: ['webgpu', 'wasm', 'webgl', 'cpu'], disabled: [] });
  });

  it('disables the backends ranked above a forced one and says why', () => {
    const plan = planBackends('wasm');
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.disabled).toEqual([{ backend: 'webgpu', reason: 'WebGPU disabled by ?backend=wasm' }]);
  });

  it('always keeps cpu as the last resort', () => {
    expect(planBackends('cpu').order).toEqual(['cpu']);
    expect(planBackends('cpu').disabled.map((d) => d.backend)).toEqual(['webgpu', 'wasm', 'webgl']);
  });
});

describe('parseBackendParam', () => {
  it('defaults to auto', () => {
    expect(parseBackendParam('')).toEqual({ request: 'auto', ignored: null });
    expect(parseBackendParam('?backend=auto')).toEqual({ request: 'auto', ignored: null });
  });

  it('accepts each backend name, case-insensitively', () => {
    expect(parseBackendParam('?backend=wasm').request).toBe('wasm');
    expect(parseBackendParam('?x=1&backend=WebGPU').request).toBe('webgpu');
    expect(parseBackendParam('?backend=cpu').request).toBe('cpu');
  });

  it('reports an unknown value instead of guessing', () => {
    expect(parseBackendParam('?backend=cuda')).toEqual({ request: 'auto', ignored: 'cuda' });
  });
});
