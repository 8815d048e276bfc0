import { describe, expect, it } from 'vitest';
import { orderStartingWith, planForced } from '../../workers/backend-plan';
import { parseBackendParam } from '../../src/client/backend-param';

describe('planForced', () => {
  it('skips the backends ranked above a forced one and says the URL forced it', () => {
    const plan = planForced('wasm');
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.disabled).toEqual([
      { backend: 'webgpu', reason: 'not tried: ?backend=wasm in the URL forces WASM' },
    ]);
  });

  it('always keeps cpu as the last resort', () => {
    expect(planForced('cpu').order).toEqual(['cpu']);
    expect(planForced('cpu').disabled.map((d) => d.backend)).toEqual(['webgpu', 'wasm', 'webgl']);
    expect(planForced('webgpu')).toEqual({ order: ['webgpu', 'wasm', 'webgl', 'cpu'], disabled: [] });
  });
});

describe('orderStartingWith', () => {
  it('puts the pick first and keeps the usual order behind it', () => {
    expect(orderStartingWith('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(orderStartingWith('wasm', ['webgpu'])).toEqual(['wasm', 'webgl', 'cpu']);
    expect(orderStartingWith('webgpu')).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
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
