// The session half of the engine's comlink API, composed from one module per feature; all of
// them work on one SessionState (state.ts).
import type { EngineEvent } from '../engine-api';
import type { ProbeCommands } from '../probe-api';
import type { SessionCommands } from '../session-api';
import type { TaskRegistry } from '../tasks';
import { datasetCommands } from './dataset';
import { demoCommands } from './demo';
import { evaluationCommands } from './evaluation';
import { explorerCommands } from './explorer';
import { exportCommands } from './export';
import { fileExportCommands } from './file-exports';
import { probeCommands } from './probe';
import type { BackendControl } from './recovery-guard';
import { runsCommands } from './runs';
import { createSessionContext } from './state';
import { syntheticCommands } from './synthetic';
import { trainingCommands } from './training';

/**
 * `backend` lets training recover from a lost GPU or an out-of-memory step, and evaluation and live
 * scoring from a lost GPU (recovery-guard.ts); without it (Node tests) such a failure ends the call.
 */
export function createSessionCommands(
  tasks: TaskRegistry,
  emit: (e: EngineEvent) => void,
  backend?: BackendControl,
): SessionCommands & ProbeCommands {
  const ctx = createSessionContext(tasks, emit, backend);
  return {
    ...datasetCommands(ctx),
    ...syntheticCommands(ctx),
    ...demoCommands(ctx),
    ...trainingCommands(ctx),
    ...evaluationCommands(ctx),
    ...explorerCommands(ctx),
    ...exportCommands(ctx),
    ...fileExportCommands(ctx),
    ...runsCommands(ctx),
    ...probeCommands(ctx),
  };
}
