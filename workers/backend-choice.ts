import { softwareRenderer } from './adapter-class';
import { BACKEND_LABEL, isForced, orderStartingWith, planForced } from './backend-plan';
import {
  BACKEND_QUERY_PARAM,
  type AdapterSummary,
  type BackendChoice,
  type BackendName,
  type BackendProbe,
  type BackendRequest,
  type FallbackReason,
  type ProbedBackend,
} from './engine-api';

/** The WebGPU adapter as requested once at start-up, or why there is none. */
export type AdapterLook = { ok: true; adapter: AdapterSummary } | { ok: false; reason: string };

/** One backend's probe: the median time of its timed runs, or why it could not run. */
export type ProbeTiming = { ok: true; ms: number } | { ok: false; reason: string };

/** What a probe decided on this device, kept so later loads skip it. */
export interface RememberedChoice {
  backend: ProbedBackend;
  probe: BackendProbe;
}

/** Everything automatic selection reads or does outside itself; workers/backend.ts gives the real ones. */
export interface ChoiceDeps {
  look: AdapterLook;
  recall(key: string): Promise<RememberedChoice | null>;
  remember(key: string, choice: RememberedChoice): Promise<void>;
  /**
   * Times the probe workload on `backend`, leaving it initialised. With `limitMs`, a timed run
   * slower than that ends the probe early: the backend has already lost.
   */
  probe(backend: ProbedBackend, limitMs: number | null): Promise<ProbeTiming>;
  now(): number;
  hardwareConcurrency: number;
  userAgent: string;
  /** Test hook: weigh a software adapter by a probe too, instead of passing over it unmeasured. */
  probeSoftware?: boolean;
}

export interface SelectionPlan {
  /** Backends to try, in order; the first that starts runs. */
  order: BackendName[];
  /** Backends weighed and passed over before walking `order`, with the reason. */
  passedOver: FallbackReason[];
  /** Why `order[0]`; replaced by a `failed` choice when it does not start. */
  choice: BackendChoice;
}

/** Bump when the probe workload changes: timings of another workload are not comparable. */
export const PROBE_VERSION = 1;

/**
 * A WebGPU run this many times slower than WASM's median stops the probe: no later run can win.
 * Keeps the probe of a slow adapter short.
 */
export const PROBE_GIVE_UP_FACTOR = 10;

/**
 * Identifies a device for a remembered choice: the adapter, the cores WASM can use and the browser
 * (its version included, since a browser update changes both backends' speed).
 */
export function deviceKey(adapter: AdapterSummary, hardwareConcurrency: number, userAgent: string): string {
  const gpu = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join('/');
  return `v${PROBE_VERSION}|${gpu}|${hardwareConcurrency} cores|${userAgent}`;
}

const formatMs = (ms: number): string => (ms < 10 ? ms.toFixed(1) : Math.round(ms).toString());

/** "probe 12 ms vs WASM 80 ms", from the point of view of `chosen`. */
export function probeText(chosen: ProbedBackend, probe: BackendProbe): string {
  const other: ProbedBackend = chosen === 'webgpu' ? 'wasm' : 'webgpu';
  const ms = (b: ProbedBackend): number | null => (b === 'webgpu' ? probe.webgpuMs : probe.wasmMs);
  const mine = ms(chosen);
  const theirs = ms(other);
  return (
    `probe ${mine === null ? 'n/a' : `${formatMs(mine)} ms`} vs ${BACKEND_LABEL[other]} ` +
    `${theirs === null ? 'n/a' : `${formatMs(theirs)} ms`}`
  );
}

const softwareReason = (renderer: string): string =>
  `the WebGPU adapter is ${renderer}, a software fallback slower than WASM`;

const rememberedReason = (r: RememberedChoice): string =>
  `${probeText(r.backend, r.probe)}, measured on this device on ${new Date(r.probe.at).toISOString().slice(0, 10)}`;

/** What automatic selection picks without running anything new (null backend: it would probe). */
async function autoVerdict(deps: ChoiceDeps): Promise<{ backend: BackendName | null; reason: string }> {
  const { look } = deps;
  if (!look.ok) return { backend: 'wasm', reason: `WebGPU is unavailable: ${look.reason}` };
  const software = softwareRenderer(look.adapter);
  if (software && !deps.probeSoftware) return { backend: 'wasm', reason: softwareReason(software) };
  const remembered = await deps.recall(deviceKey(look.adapter, deps.hardwareConcurrency, deps.userAgent));
  if (remembered) return { backend: remembered.backend, reason: rememberedReason(remembered) };
  return {
    backend: null,
    reason: 'it would time WebGPU against WASM once on this device and keep the faster',
  };
}

const choice = (
  basis: BackendChoice['basis'],
  reason: string,
  probe: BackendProbe | null = null,
): BackendChoice => ({
  basis,
  reason,
  probe,
  auto: null,
});

/** Times both backends (WASM first, so WebGPU's probe can stop once it has clearly lost). */
async function probeBoth(deps: ChoiceDeps, key: string): Promise<SelectionPlan> {
  const wasm = await deps.probe('wasm', null);
  const webgpu = await deps.probe('webgpu', wasm.ok ? PROBE_GIVE_UP_FACTOR * wasm.ms : null);
  const probe: BackendProbe = {
    webgpuMs: webgpu.ok ? webgpu.ms : null,
    wasmMs: wasm.ok ? wasm.ms : null,
    at: deps.now(),
  };
  if (!webgpu.ok && !wasm.ok)
    return {
      order: orderStartingWith('webgl'),
      passedOver: [
        { backend: 'webgpu', reason: `failed its probe: ${webgpu.reason}` },
        { backend: 'wasm', reason: `failed its probe: ${wasm.reason}` },
      ],
      choice: choice('failed', 'WebGPU and WASM both failed to run the probe'),
    };
  // A failed probe says nothing about speed: it is not remembered, so the next load tries again.
  if (!webgpu.ok)
    return {
      order: orderStartingWith('wasm'),
      passedOver: [{ backend: 'webgpu', reason: `failed its probe: ${webgpu.reason}` }],
      choice: choice('no-webgpu', `WebGPU failed its probe (${webgpu.reason})`, probe),
    };
  if (!wasm.ok)
    return {
      order: orderStartingWith('webgpu'),
      passedOver: [{ backend: 'wasm', reason: `failed its probe: ${wasm.reason}` }],
      choice: choice('probe', `WASM failed its probe (${wasm.reason})`, probe),
    };
  const winner: ProbedBackend = webgpu.ms < wasm.ms ? 'webgpu' : 'wasm';
  const loser: ProbedBackend = winner === 'webgpu' ? 'wasm' : 'webgpu';
  await deps.remember(key, { backend: winner, probe });
  return {
    order: orderStartingWith(winner),
    passedOver: [{ backend: loser, reason: `slower here: ${probeText(loser, probe)}` }],
    choice: choice('probe', probeText(winner, probe), probe),
  };
}

/**
 * Decides which backend to start. A forced request walks down from the forced backend and says what
 * automatic selection would pick instead. Automatic selection picks the faster of WebGPU and WASM:
 * WASM without a usable adapter or on a software one; otherwise the winner of a probe timed once
 * per device and remembered (a weak GPU can lose to WASM, and adapter info cannot tell).
 */
export async function planSelection(request: BackendRequest, deps: ChoiceDeps): Promise<SelectionPlan> {
  if (isForced(request)) {
    const plan = planForced(request);
    const reason = `forced by ?${BACKEND_QUERY_PARAM}=${request} in the URL`;
    return {
      order: plan.order,
      passedOver: plan.disabled,
      choice: { ...choice('forced', reason), auto: await autoVerdict(deps) },
    };
  }
  const { look } = deps;
  if (!look.ok)
    return {
      order: orderStartingWith('wasm', ['webgpu']),
      passedOver: [{ backend: 'webgpu', reason: look.reason }],
      choice: choice('no-webgpu', `WebGPU is unavailable (${look.reason})`),
    };
  const software = softwareRenderer(look.adapter);
  if (software && !deps.probeSoftware)
    return {
      order: orderStartingWith('wasm'),
      passedOver: [{ backend: 'webgpu', reason: `not used: ${softwareReason(software)}` }],
      choice: choice('software-adapter', softwareReason(software)),
    };
  const key = deviceKey(look.adapter, deps.hardwareConcurrency, deps.userAgent);
  const remembered = await deps.recall(key);
  if (!remembered) return probeBoth(deps, key);
  const loser: ProbedBackend = remembered.backend === 'webgpu' ? 'wasm' : 'webgpu';
  return {
    order: orderStartingWith(remembered.backend),
    passedOver: [{ backend: loser, reason: `slower here: ${probeText(loser, remembered.probe)}` }],
    choice: choice('remembered', rememberedReason(remembered), remembered.probe),
  };
}

/** The choice to report when `order[0]` did not start and a later backend runs instead. */
export function failedChoice(planned: BackendChoice, first: BackendName, why: string): BackendChoice {
  return {
    ...planned,
    basis: 'failed',
    reason: `${BACKEND_LABEL[first]} was picked (${planned.reason}) but did not start: ${why}`,
  };
}
