import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import {
  activeDevice,
  activeDeviceLost,
  destroyActiveDevice,
  reselectBackend,
  selectBackend,
} from './backend';
import type { BackendInfo, EngineApi, EngineListener, EngineMemory, InitOptions } from './engine-api';
import { EventHub } from './events';
import { parityCommands } from './parity';
import { selfTestConv2d } from './self-test';
import { createSpeedCommands } from './speed';
import { TaskRegistry } from './tasks';
import { createSessionCommands } from './session/commands';
import type { BackendControl } from './session/recovery-guard';

const events = new EventHub();
/** Long tasks run through `tasks.run(taskId, ...)` so `cancel(taskId)` reaches them. */
const tasks = new TaskRegistry(events.emit);

let current: BackendInfo | null = null;
let selecting: Promise<BackendInfo> | null = null;

function requireBackend(): BackendInfo {
  if (!current) throw new Error('Engine not initialised: call init() first');
  return current;
}

/** Lets training re-select the backend after a lost device or a dead WASM module. */
const backendControl = {
  device: activeDevice,
  lost: activeDeviceLost,
  active: () => current?.backend ?? 'cpu',
  async reselect() {
    current = await reselectBackend(current?.requested ?? 'auto', events.emit);
    return current;
  },
} satisfies BackendControl;

const engine: EngineApi = {
  ...parityCommands,
  ...createSessionCommands(tasks, events.emit, backendControl),
  ...createSpeedCommands(tasks),
  async init(opts: InitOptions) {
    // Concurrent init calls share one selection instead of racing tf.setBackend.
    selecting ??= selectBackend(opts.backend ?? 'auto', events.emit, opts).finally(() => (selecting = null));
    current = await selecting;
    return current;
  },

  async backendInfo() {
    return current;
  },

  async selfTestConv2d() {
    const info = requireBackend();
    // The check flips the global backend to cpu and back, which would corrupt a running task.
    const busy = tasks.runningIds();
    if (busy.length > 0) throw new Error(`Self-test needs an idle engine; running: ${busy.join(', ')}`);
    return selfTestConv2d(info.backend);
  },

  async memory(): Promise<EngineMemory> {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return {
      numTensors: m.numTensors,
      numDataBuffers: m.numDataBuffers,
      numBytes: m.numBytes,
      numBytesInGPU: typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : null,
      unreliable: m.unreliable === true,
    };
  },

  async subscribe(listener: EngineListener) {
    return events.add(listener);
  },

  async unsubscribe(id: number) {
    events.remove(id);
  },

  async cancel(taskId) {
    return tasks.cancel(taskId);
  },

  async debugLoseDevice() {
    return destroyActiveDevice();
  },
  async debugStall(ms: number) {
    const until = performance.now() + ms;
    while (performance.now() < until);
  },
};

Comlink.expose(engine);
