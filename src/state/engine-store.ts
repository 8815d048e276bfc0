import { create } from 'zustand';
import type { BackendInfo, EngineEvent, EngineMemory, SelfTestResult } from '../../workers/engine-api';
import { parseBackendParam, type BackendParam } from '../client/backend-param';
import { getEngine, onEngineCrash, subscribeEngine } from '../client/engine';

export type EngineStatus = 'idle' | 'starting' | 'ready' | 'error';

export interface LogEntry {
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

interface EngineState {
  status: EngineStatus;
  param: BackendParam | null;
  info: BackendInfo | null;
  error: string | null;
  deviceLost: string | null;
  log: LogEntry[];
  selfTest: SelfTestResult | null;
  selfTestError: string | null;
  selfTestRunning: boolean;
  memory: EngineMemory | null;
  /** Starts the worker and selects the backend named in the URL (`?backend=`). */
  start(search: string): Promise<void>;
  runSelfTest(): Promise<void>;
  refreshMemory(): Promise<void>;
}

const LOG_LIMIT = 200;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useEngineStore = create<EngineState>()((set, get) => {
  const addLog = (level: LogEntry['level'], message: string): void =>
    set((s) => ({ log: [...s.log, { at: Date.now(), level, message }].slice(-LOG_LIMIT) }));

  const onEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'log':
        addLog(e.level, e.message);
        break;
      case 'backend':
        set({ info: e.info });
        break;
      case 'device-lost':
        set({ deviceLost: `${e.reason}: ${e.message}` });
        addLog('error', `GPU device lost (${e.reason}): ${e.message}`);
        break;
      default:
        break;
    }
  };

  return {
    status: 'idle',
    param: null,
    info: null,
    error: null,
    deviceLost: null,
    log: [],
    selfTest: null,
    selfTestError: null,
    selfTestRunning: false,
    memory: null,

    async start(search) {
      if (get().status === 'starting' || get().status === 'ready') return;
      const param = parseBackendParam(search);
      set({ status: 'starting', param, error: null });
      if (param.ignored)
        addLog('warn', `Ignored ?backend=${param.ignored} (expected webgpu, wasm, webgl or cpu)`);
      onEngineCrash((message) => set({ status: 'error', error: `Engine worker crashed: ${message}` }));
      try {
        await subscribeEngine(onEvent);
        const info = await getEngine().init({ backend: param.request });
        set({ status: 'ready', info });
      } catch (err) {
        set({ status: 'error', error: errorText(err) });
      }
    },

    async runSelfTest() {
      set({ selfTestRunning: true, selfTestError: null });
      try {
        set({ selfTest: await getEngine().selfTestConv2d() });
      } catch (err) {
        set({ selfTestError: errorText(err) });
      } finally {
        set({ selfTestRunning: false });
      }
    },

    async refreshMemory() {
      set({ memory: await getEngine().memory() });
    },
  };
});
