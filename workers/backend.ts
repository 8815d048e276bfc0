/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Vite copies the binaries next to the bundle, so they are fetched same-origin (COEP-safe) in dev and build.
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { installWasmKernels } from '../src/core/kernels/wasm';
import { simdReady } from '../src/core/kernels/simd';
import { BACKEND_LABEL } from './backend-plan';
import { failedChoice, planSelection, type AdapterLook, type ChoiceDeps } from './backend-choice';
import { recallChoice, rememberChoice } from './backend-memory';
import { timeProbe } from './backend-probe';
import {
  ENGINE_API_VERSION,
  type AdapterSummary,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type EngineEvent,
  type FallbackReason,
} from './engine-api';

type Emit = (event: EngineEvent) => void;
type Attempt = { ok: true } | { ok: false; reason: string };

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});
installWasmKernels();

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * tf.setBackend resolves false and only console.warns the cause when a backend fails to
 * initialise; the warning is captured so the UI can say why.
 */
async function activate(name: BackendName): Promise<Attempt> {
  if (!tf.findBackendFactory(name)) return { ok: false, reason: `TF.js has no '${name}' backend registered` };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn(...args);
  };
  try {
    if (await tf.setBackend(name)) return { ok: true };
    const detail = warnings.filter((w) => !w.startsWith('Initialization of backend')).join(' ');
    return { ok: false, reason: `tf.setBackend('${name}') failed${detail ? `: ${firstLine(detail)}` : ''}` };
  } catch (err) {
    return { ok: false, reason: `tf.setBackend('${name}') threw: ${message(err)}` };
  } finally {
    console.warn = warn;
  }
}

const firstLine = (text: string): string => text.split('\n')[0].slice(0, 300);

function summariseAdapter(adapter: GPUAdapter, info: GPUAdapterInfo | undefined): AdapterSummary {
  // The flag moved from GPUAdapter to GPUAdapterInfo (Chrome 136); either may be missing.
  const flagged = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const infoFlag = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: flagged === true || infoFlag === true,
  };
}

async function adapterInfo(adapter: GPUAdapter): Promise<GPUAdapterInfo | undefined> {
  // `adapter.info` replaced requestAdapterInfo() (Chrome 127); the bundled typings predate it.
  const withInfo = adapter as GPUAdapter & { info?: GPUAdapterInfo };
  if (withInfo.info) return withInfo.info;
  return typeof adapter.requestAdapterInfo === 'function' ? adapter.requestAdapterInfo() : undefined;
}

/** The adapter WebGPU would run on, looked at without creating a device. */
async function lookAtAdapter(): Promise<AdapterLook> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, reason: 'navigator.gpu is missing (no WebGPU in this browser or worker)' };
  let adapter: GPUAdapter | null;
  try {
    // Same preference the TF.js backend asks for, so the reported adapter is the one it uses.
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() threw: ${message(err)}` };
  }
  if (!adapter)
    return { ok: false, reason: 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)' };
  return { ok: true, adapter: summariseAdapter(adapter, await adapterInfo(adapter)) };
}

async function tryWasm(): Promise<Attempt> {
  // Threads need SharedArrayBuffer, i.e. a cross-origin isolated context; the count must be set before
  // init, and TF.js 4.22 still caps it at min(8, hardwareConcurrency / 2) (see below).
  if (!self.crossOriginIsolated) return activate('wasm');
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  setThreadsCount(cores);
  // TF.js' XNNPACK pool is capped at half the logical cores (it assumes hyper-threading); on a
  // 2-core laptop that is one thread. Report twice the cores while the pool is created.
  const own = Object.getOwnPropertyDescriptor(navigator, 'hardwareConcurrency');
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * cores, configurable: true });
  try {
    return await activate('wasm');
  } finally {
    if (own) Object.defineProperty(navigator, 'hardwareConcurrency', own);
    else delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

async function tryWebgl(): Promise<Attempt> {
  const inWorker = typeof window === 'undefined';
  if (inWorker && typeof OffscreenCanvas === 'undefined') {
    return { ok: false, reason: 'OffscreenCanvas is missing, so WebGL cannot run in a worker' };
  }
  return activate('webgl');
}

const attempts: Record<BackendName, () => Promise<Attempt>> = {
  webgpu: () => activate('webgpu'),
  wasm: tryWasm,
  webgl: tryWebgl,
  cpu: () => activate('cpu'),
};

const watchedDevices = new WeakSet<GPUDevice>();
/** Lost devices and the reason the browser gave ('destroyed', 'unknown'). */
const lostDevices = new WeakMap<GPUDevice, string>();

/** The WebGPU device running the ops now; null on every other backend. */
export function activeDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return ((tf.backend() as WebGPUBackend).device as GPUDevice | undefined) ?? null;
}

/** Why the active WebGPU device was lost (its tensors are gone with it); null while it works. */
export function activeDeviceLost(): string | null {
  const device = activeDevice();
  return (device && lostDevices.get(device)) ?? null;
}

/** Test hook: destroys the active WebGPU device, as a driver reset would. False off WebGPU. */
export function destroyActiveDevice(): boolean {
  const device = activeDevice();
  if (!device || lostDevices.has(device)) return false;
  device.destroy();
  return true;
}

/**
 * Forgets a backend so the next tf.setBackend builds a fresh one from the same factory: a new
 * adapter and device for WebGPU, a new module for WASM (whose heap is dead after an abort). Dispose
 * every tensor that lives on it first; tensors left behind are lost.
 */
function forgetBackend(name: string): void {
  const engine = tf.engine();
  const entry = engine.registryFactory[name];
  if (!entry) return;
  const backend = engine.registry[name];
  if (backend) {
    // Disposing a lost device or an aborted WASM module can throw; removeBackend must still run.
    const dispose = backend.dispose.bind(backend);
    backend.dispose = () => {
      try {
        dispose();
      } catch {
        // Nothing left to free.
      }
    };
  }
  tf.removeBackend(name);
  tf.registerBackend(name, entry.factory, entry.priority);
}

/**
 * After a lost device or a dead WASM module: drops the active backend and selects again, walking
 * the same plan as at start-up (so a new WebGPU device first, then WASM).
 */
export async function reselectBackend(request: BackendRequest, emit: Emit): Promise<BackendInfo> {
  forgetBackend(tf.getBackend());
  return selectBackend(request, emit);
}

/** Device loss ends every WebGPU computation; the UI must hear about it instead of seeing a hang. */
function watchDevice(emit: Emit): void {
  const device = (tf.backend() as WebGPUBackend).device as GPUDevice | undefined;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  void device.lost.then((info) => {
    lostDevices.set(device, info.reason ?? 'unknown');
    emit({ type: 'device-lost', backend: 'webgpu', reason: info.reason ?? 'unknown', message: info.message });
  });
  device.addEventListener('uncapturederror', (ev) =>
    emit({
      type: 'log',
      level: 'error',
      message: `WebGPU error: ${(ev as GPUUncapturedErrorEvent).error.message}`,
    }),
  );
}

/**
 * Backends the probe created; the one not chosen is disposed (a WebGPU device, a WASM heap). One
 * that existed before may hold a session's tensors and stays.
 */
const probed = new Set<BackendName>();

/** Selection's reads and effects: the real adapter, IndexedDB, the probe on the real backends. */
function choiceDeps(look: AdapterLook, probeSoftware: boolean, emit: Emit): ChoiceDeps {
  return {
    look,
    recall: recallChoice,
    remember: rememberChoice,
    async probe(name, limitMs) {
      emit({ type: 'log', level: 'info', message: `Timing the ${BACKEND_LABEL[name]} probe` });
      const existed = tf.engine().registry[name] !== undefined;
      const attempt = await attempts[name]();
      if (!attempt.ok) return attempt;
      if (!existed) probed.add(name);
      return timeProbe(limitMs);
    },
    now: Date.now,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
    userAgent: navigator.userAgent ?? '',
    probeSoftware,
  };
}

export interface SelectOptions {
  /** Test hook: probe a software adapter too (InitOptions.probeSoftware). */
  probeSoftware?: boolean;
}

/**
 * Plans the selection for `request` (workers/backend-choice.ts) and walks the plan until a backend
 * initialises; cpu always does.
 */
export async function selectBackend(
  request: BackendRequest,
  emit: Emit,
  opts: SelectOptions = {},
): Promise<BackendInfo> {
  const t0 = performance.now();
  const look = await lookAtAdapter();
  const plan = await planSelection(request, choiceDeps(look, opts.probeSoftware === true, emit));
  const fallbacks: FallbackReason[] = [...plan.passedOver];
  let chosen: BackendName = 'cpu';
  let choice = plan.choice;
  for (const name of plan.order) {
    emit({ type: 'log', level: 'info', message: `Trying ${BACKEND_LABEL[name]} backend` });
    const attempt = await attempts[name]();
    if (attempt.ok) {
      chosen = name;
      break;
    }
    if (name === plan.order[0]) choice = failedChoice(plan.choice, name, attempt.reason);
    fallbacks.push({ backend: name, reason: attempt.reason });
    emit({ type: 'log', level: 'warn', message: `${BACKEND_LABEL[name]} unavailable: ${attempt.reason}` });
  }
  for (const name of probed) if (name !== chosen) forgetBackend(name);
  probed.clear();
  if (chosen === 'webgpu') watchDevice(emit);
  const wasm = chosen === 'wasm';
  const info: BackendInfo = {
    apiVersion: ENGINE_API_VERSION,
    backend: chosen,
    requested: request,
    choice,
    fallbacks,
    adapter: look.ok ? look.adapter : null,
    crossOriginIsolated: self.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
    wasmThreads: wasm ? getThreadsCount() : null,
    wasmSimd: wasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
    wasmThreadedBuild: wasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null,
    simdKernels: wasm ? simdReady(tf.backend()) : null,
    tfjsVersion: tf.version.tfjs,
    initMs: Math.round(performance.now() - t0),
  };
  emit({ type: 'backend', info });
  return info;
}
