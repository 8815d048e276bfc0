import { describe, expect, it } from 'vitest';
import { describeAdapter, softwareRenderer } from '../../workers/adapter-class';
import {
  PROBE_GIVE_UP_FACTOR,
  deviceKey,
  failedChoice,
  planSelection,
  probeText,
  type AdapterLook,
  type ChoiceDeps,
  type ProbeTiming,
  type RememberedChoice,
} from '../../workers/backend-choice';
import type { AdapterSummary, ProbedBackend } from '../../workers/engine-api';

const adapter = (fields: Partial<AdapterSummary>): AdapterSummary => ({
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallbackAdapter: false,
  ...fields,
});

// As Chromium reports them (SwiftShader: headless Chromium here; the others from their drivers).
const SWIFTSHADER = adapter({
  vendor: 'google',
  architecture: 'swiftshader',
  device: '0xc0de',
  description: 'SwiftShader Device (Subzero)',
});
const LLVMPIPE = adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' });
const LAVAPIPE = adapter({ vendor: 'mesa', architecture: 'lavapipe' });
const BASIC_RENDER = adapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' });
const INTEL = adapter({
  vendor: 'intel',
  architecture: 'gen-12lp',
  description: 'Intel(R) UHD Graphics 620',
});
const NVIDIA = adapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070' });

describe('softwareRenderer', () => {
  it('names the CPU renderers from their adapter info', () => {
    expect(softwareRenderer(SWIFTSHADER)).toBe('SwiftShader');
    expect(softwareRenderer(LLVMPIPE)).toBe('llvmpipe');
    expect(softwareRenderer(LAVAPIPE)).toBe('lavapipe');
    expect(softwareRenderer(BASIC_RENDER)).toBe('Microsoft Basic Render Driver');
    expect(softwareRenderer(adapter({ description: 'Some Software Rasterizer' }))).toBe(
      'a software renderer',
    );
  });

  it("trusts the browser's fallback flag when the info names nothing", () => {
    expect(softwareRenderer(adapter({ isFallbackAdapter: true }))).toBe('a fallback adapter');
  });

  it('leaves real GPUs and silent adapters to the probe', () => {
    expect(softwareRenderer(INTEL)).toBeNull();
    expect(softwareRenderer(NVIDIA)).toBeNull();
    expect(softwareRenderer(adapter({}))).toBeNull();
  });

  it('describes an adapter by its non-empty fields', () => {
    expect(describeAdapter(INTEL)).toBe('intel gen-12lp Intel(R) UHD Graphics 620');
    expect(describeAdapter(adapter({}))).toBe('an adapter that reports no info');
  });
});

interface Fake {
  deps: ChoiceDeps;
  probes: { backend: ProbedBackend; limitMs: number | null }[];
  memory: Map<string, RememberedChoice>;
}

const NOW = Date.UTC(2026, 11, 6);

function fake(look: AdapterLook, timings: Partial<Record<ProbedBackend, ProbeTiming>> = {}): Fake {
  const probes: Fake['probes'] = [];
  const memory = new Map<string, RememberedChoice>();
  const deps: ChoiceDeps = {
    look,
    recall: async (key) => memory.get(key) ?? null,
    remember: async (key, choice) => void memory.set(key, choice),
    probe: async (backend, limitMs) => {
      probes.push({ backend, limitMs });
      return timings[backend] ?? { ok: false, reason: `${backend} not faked` };
    },
    now: () => NOW,
    hardwareConcurrency: 2,
    userAgent: 'TestBrowser/1.0',
  };
  return { deps, probes, memory };
}

const gpu = (a: AdapterSummary): AdapterLook => ({ ok: true, adapter: a });
const ms = (n: number): ProbeTiming => ({ ok: true, ms: n });

describe('planSelection (auto)', () => {
  it('passes over a software adapter for WASM without probing', async () => {
    const f = fake(gpu(SWIFTSHADER), { webgpu: ms(1), wasm: ms(100) });
    const plan = await planSelection('auto', f.deps);
    expect(plan.order[0]).toBe('wasm');
    expect(plan.choice.basis).toBe('software-adapter');
    expect(plan.choice.reason).toBe(
      'the WebGPU adapter is SwiftShader, a software fallback slower than WASM',
    );
    expect(plan.passedOver).toEqual([
      {
        backend: 'webgpu',
        reason: 'not used: the WebGPU adapter is SwiftShader, a software fallback slower than WASM',
      },
    ]);
    expect(f.probes).toEqual([]);
  });

  it('goes to WASM without WebGPU in the walk when there is no adapter', async () => {
    const f = fake({ ok: false, reason: 'no WebGPU adapter' });
    const plan = await planSelection('auto', f.deps);
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.choice.basis).toBe('no-webgpu');
    expect(plan.passedOver).toEqual([{ backend: 'webgpu', reason: 'no WebGPU adapter' }]);
    expect(f.probes).toEqual([]);
  });

  it('keeps the faster probe: WebGPU on a strong GPU', async () => {
    const f = fake(gpu(NVIDIA), { webgpu: ms(12), wasm: ms(80) });
    const plan = await planSelection('auto', f.deps);
    expect(plan.order).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
    expect(plan.choice).toEqual({
      basis: 'probe',
      reason: 'probe 12 ms vs WASM 80 ms',
      probe: { webgpuMs: 12, wasmMs: 80, at: NOW },
      auto: null,
    });
    expect(plan.passedOver).toEqual([
      { backend: 'wasm', reason: 'slower here: probe 80 ms vs WebGPU 12 ms' },
    ]);
  });

  it('keeps the faster probe: WASM over a weak GPU, whose probe may stop early', async () => {
    const f = fake(gpu(INTEL), { webgpu: ms(95), wasm: ms(6.5) });
    const plan = await planSelection('auto', f.deps);
    expect(plan.order[0]).toBe('wasm');
    expect(plan.choice.reason).toBe('probe 6.5 ms vs WebGPU 95 ms');
    // WASM first, so WebGPU's probe knows when it has lost.
    expect(f.probes).toEqual([
      { backend: 'wasm', limitMs: null },
      { backend: 'webgpu', limitMs: PROBE_GIVE_UP_FACTOR * 6.5 },
    ]);
  });

  it('remembers the probe per device and reuses it without probing again', async () => {
    const f = fake(gpu(INTEL), { webgpu: ms(20), wasm: ms(50) });
    await planSelection('auto', f.deps);
    expect(f.probes).toHaveLength(2);
    const key = deviceKey(INTEL, 2, 'TestBrowser/1.0');
    expect(f.memory.get(key)).toEqual({ backend: 'webgpu', probe: { webgpuMs: 20, wasmMs: 50, at: NOW } });

    const again = await planSelection('auto', f.deps);
    expect(f.probes).toHaveLength(2);
    expect(again.order[0]).toBe('webgpu');
    expect(again.choice.basis).toBe('remembered');
    expect(again.choice.reason).toBe('probe 20 ms vs WASM 50 ms, measured on this device on 2026-12-06');
  });

  it('probes again on another device: other cores, browser or adapter', async () => {
    const f = fake(gpu(INTEL), { webgpu: ms(20), wasm: ms(50) });
    await planSelection('auto', f.deps);
    await planSelection('auto', { ...f.deps, hardwareConcurrency: 8 });
    await planSelection('auto', { ...f.deps, userAgent: 'TestBrowser/2.0' });
    await planSelection('auto', { ...f.deps, look: gpu(NVIDIA) });
    expect(f.probes).toHaveLength(8);
    expect(new Set([...f.memory.keys()]).size).toBe(4);
  });

  it('does not remember a failed probe, and falls back to the backend that ran', async () => {
    const f = fake(gpu(INTEL), { wasm: ms(50), webgpu: { ok: false, reason: 'device creation failed' } });
    const plan = await planSelection('auto', f.deps);
    expect(plan.order[0]).toBe('wasm');
    expect(plan.choice.basis).toBe('no-webgpu');
    expect(plan.passedOver).toEqual([
      { backend: 'webgpu', reason: 'failed its probe: device creation failed' },
    ]);
    expect(f.memory.size).toBe(0);
  });

  it('probes a software adapter only when the test hook asks', async () => {
    const f = fake(gpu(SWIFTSHADER), { webgpu: ms(400), wasm: ms(6) });
    const plan = await planSelection('auto', { ...f.deps, probeSoftware: true });
    expect(plan.choice.basis).toBe('probe');
    expect(plan.order[0]).toBe('wasm');
    expect(f.probes).toHaveLength(2);
  });
});

describe('planSelection (forced)', () => {
  it('the URL wins over a remembered choice, without probing, and says what auto would pick', async () => {
    const f = fake(gpu(NVIDIA), { webgpu: ms(5), wasm: ms(80) });
    f.memory.set(deviceKey(NVIDIA, 2, 'TestBrowser/1.0'), {
      backend: 'webgpu',
      probe: { webgpuMs: 5, wasmMs: 80, at: NOW },
    });
    const plan = await planSelection('wasm', f.deps);
    expect(plan.order).toEqual(['wasm', 'webgl', 'cpu']);
    expect(plan.choice.basis).toBe('forced');
    expect(plan.choice.reason).toBe('forced by ?backend=wasm in the URL');
    expect(plan.choice.auto).toEqual({
      backend: 'webgpu',
      reason: 'probe 5.0 ms vs WASM 80 ms, measured on this device on 2026-12-06',
    });
    expect(plan.passedOver[0].reason).toBe('not tried: ?backend=wasm in the URL forces WASM');
    expect(f.probes).toEqual([]);
  });

  it('says auto would pick WASM on a software adapter, and that it would probe on an unknown one', async () => {
    const soft = await planSelection('webgpu', fake(gpu(SWIFTSHADER)).deps);
    expect(soft.order[0]).toBe('webgpu');
    expect(soft.choice.auto).toEqual({
      backend: 'wasm',
      reason: 'the WebGPU adapter is SwiftShader, a software fallback slower than WASM',
    });
    const unknown = await planSelection('wasm', fake(gpu(INTEL)).deps);
    expect(unknown.choice.auto?.backend).toBeNull();
    expect(unknown.choice.auto?.reason).toContain('time WebGPU against WASM');
    const none = await planSelection('wasm', fake({ ok: false, reason: 'navigator.gpu is missing' }).deps);
    expect(none.choice.auto).toEqual({
      backend: 'wasm',
      reason: 'WebGPU is unavailable: navigator.gpu is missing',
    });
  });
});

describe('choice texts', () => {
  it('probeText reads from the chosen backend, n/a where a probe did not run', () => {
    expect(probeText('webgpu', { webgpuMs: 12.4, wasmMs: 80.2, at: 0 })).toBe('probe 12 ms vs WASM 80 ms');
    expect(probeText('wasm', { webgpuMs: null, wasmMs: 3.14, at: 0 })).toBe('probe 3.1 ms vs WebGPU n/a');
  });

  it('failedChoice keeps the plan and says the pick did not start', () => {
    const planned = { basis: 'probe' as const, reason: 'probe 12 ms vs WASM 80 ms', probe: null, auto: null };
    expect(failedChoice(planned, 'webgpu', 'requestDevice failed')).toEqual({
      ...planned,
      basis: 'failed',
      reason: 'WebGPU was picked (probe 12 ms vs WASM 80 ms) but did not start: requestDevice failed',
    });
  });
});
