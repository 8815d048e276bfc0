// The speed benchmark in this Node process over Dawn, the WebGPU implementation inside Chromium,
// as the `webgpu` npm package builds it for Node (its dawn.node). For machines with a GPU but no
// browser or display. The engine code is the worker's own (workers/backend.ts, workers/speed.ts); it
// runs on the main thread here, so a phase cannot be killed, only timed out.
import { createRequire } from 'node:module';
import os from 'node:os';
import { resolve } from 'node:path';
import type { EngineEventSink, SpeedHost } from './host';

interface DawnModule {
  /** A `navigator.gpu`; each string is a Dawn option such as 'backend=vulkan'. */
  create(options: string[]): GPU;
  /** GPUBufferUsage, GPUMapMode and the other WebGPU globals. */
  globals: Record<string, unknown>;
}

/** Puts Dawn where browser code looks for WebGPU: navigator.gpu and the WebGPU globals. */
function installDawn(dawnPath: string): void {
  const require = createRequire(import.meta.url);
  const dawn = require(resolve(dawnPath)) as DawnModule;
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals);
  const gpu = dawn.create([]);
  // Node 21+ has a navigator without gpu; Node 20 has none. TF.js reads userAgent to detect mobiles.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else
    g.navigator = {
      gpu,
      hardwareConcurrency: os.cpus().length,
      userAgent: `Node.js/${process.version}`,
    };
  // Worker code reads self.crossOriginIsolated; Node is not isolated (WASM threads are not used here).
  g.self ??= globalThis;
}

export async function startDawnHost(dawnPath: string, onEvent: EngineEventSink): Promise<SpeedHost> {
  installDawn(dawnPath);
  // TF.js registers its WebGPU backend at import only if navigator.gpu exists, so the engine is
  // imported after installDawn.
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../../workers/backend');
  const { createSpeedCommands } = await import('../../workers/speed');
  const { TaskRegistry } = await import('../../workers/tasks');
  const { runKernelChecks, timeKernels } = await import('../../src/core/kernels/checks');
  if (!tf.findBackendFactory('webgpu'))
    throw new Error('TF.js loaded its WebGPU backend before Dawn was installed, so it is not registered');
  const info = await selectBackend('webgpu', onEvent);
  const engine = { ...createSpeedCommands(new TaskRegistry(onEvent)), runKernelChecks, timeKernels };
  return {
    runtime: `Node ${process.version} + Dawn (${dawnPath})`,
    phase: (body) => body(engine, info),
    close: async () => {
      tf.engine().reset();
    },
  };
}
