// Where the speed benchmark's engine runs. Each phase gets an engine whose backend is initialised:
// in headless Chromium (browser-host.ts: the app's own worker, one fresh page per phase) or in this
// Node process over Dawn, the WebGPU implementation inside Chromium (dawn-host.ts: for GPU machines
// that have no browser or display).
import type { BackendInfo, EngineEvent } from '../../workers/engine-api';
import type { ParityCommands } from '../../workers/parity-api';
import type { SpeedCommands } from '../../workers/speed-api';

/** What a phase can ask of the engine: the speed cases, and the custom-kernel checks and timings. */
export type BenchEngine = SpeedCommands & Pick<ParityCommands, 'runKernelChecks' | 'timeKernels'>;

export interface SpeedHost {
  /** What runs the engine, for the report: 'Chromium 131.0…' or 'Node v20… + Dawn (…)'. */
  readonly runtime: string;
  /** Runs `body` against an engine initialised on the requested backend (`info`: what it got). */
  phase<T>(body: (engine: BenchEngine, info: BackendInfo) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Engine events (progress, warnings) as they happen, whichever host runs the engine. */
export type EngineEventSink = (event: EngineEvent) => void;
