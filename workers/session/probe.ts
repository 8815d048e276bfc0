// The timing probe command: a few real training steps of a configuration on the loaded dataset,
// for the Train panel's estimate and the timed presets (src/core/presets.ts).
import * as tf from '@tensorflow/tfjs';
import { ResNetTeacher, type ResNetArch } from '../../src/core/backbones/resnet';
import type { Teacher } from '../../src/core/backbones';
import { needsImportedWeights, validateConfig } from '../../src/core/config';
import { ProbeDeclinedError, probeTraining } from '../../src/core/pipeline/probe';
import type { BackendName } from '../engine-api';
import type { ProbeCommands, TrainingProbe } from '../probe-api';
import { WASM_HEAP_BYTES, estimateTrainingBytes, wasmPreflight } from '../recovery-policy';
import { CancelledError } from '../tasks';
import { candidateTeacher, disposeModels, requireData, type SessionContext } from './state';

/** Timed steps are added while the probe has run for less than this (ms). */
const PROBE_BUDGET_MS = 8_000;

export function probeCommands(ctx: SessionContext): ProbeCommands {
  const { state, tasks } = ctx;
  return {
    async measureTraining(partial, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const config = validateConfig(partial);
        const data = requireData(state);
        const backend = (ctx.backend?.active() ?? tf.getBackend()) as BackendName;
        if (config.model === 'patchcore')
          return {
            kind: 'declined',
            backend,
            reason:
              'PatchCore is fitted, not trained in steps: its fit estimates its own time once it runs (the images, then the coreset).',
          };
        const t0 = performance.now();
        let teacher: Teacher;
        let teacherWeights: TrainingProbe['teacherWeights'];
        if (state.teacher?.name === config.teacher) {
          teacher = state.teacher;
          teacherWeights = 'loaded';
        } else if (needsImportedWeights(config.teacher)) {
          // No weights to fetch: the same architecture with random weights takes the same time.
          teacher = ResNetTeacher.random(config.teacher as ResNetArch, config.seed);
          teacherWeights = 'random';
        } else {
          teacher = await candidateTeacher(state, config.teacher, (d, t) =>
            task.progress(d, t, `Loading the ${config.teacher} teacher (timing)`),
          );
          teacherWeights = 'served';
        }
        const teacherMs = teacherWeights === 'loaded' ? 0 : performance.now() - t0;
        // What the engine holds already (a trained model, its teacher) shares the heap with the probe.
        const heldBytes = tf.memory().numBytes;
        const preflight = (params: number): string | null => {
          if (backend !== 'wasm') return null;
          const alone = wasmPreflight(params, config);
          if (alone) return alone;
          return heldBytes + estimateTrainingBytes(params, config) > WASM_HEAP_BYTES * 0.4
            ? 'the model the engine holds now and this configuration would not fit the WASM heap together; ' +
                'the time is measured by the first steps after Start.'
            : null;
        };
        try {
          const r = await probeTraining(teacher, data, config, {
            budgetMs: PROBE_BUDGET_MS,
            signal: task.signal,
            onProgress: (d, t, m) => task.progress(d, t, m),
            preflight,
          });
          const probe: TrainingProbe = {
            ...r,
            setupMs: teacherMs + r.banksMs,
            teacherMs,
            backend,
            teacherWeights,
          };
          return { kind: 'measured', probe };
        } catch (e) {
          if (e instanceof ProbeDeclinedError) return { kind: 'declined', backend, reason: e.message };
          // The signal's abort error (from the bank building or between steps) is a cancellation.
          if (task.signal.aborted) throw new CancelledError(task.id);
          throw e;
        } finally {
          // A served teacher fetched for the probe is kept when there is no model to disturb, so Start
          // does not fetch it again; otherwise the current model and its teacher stay as they are.
          if (teacher !== state.teacher) {
            if (teacherWeights === 'served' && !state.session && !state.teacher) state.teacher = teacher;
            else disposeModels(teacher);
          }
        }
      });
    },
  };
}
