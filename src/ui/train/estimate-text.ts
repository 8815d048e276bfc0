// What the Train panel says about time: the preset line, the estimate before Start and the cost of
// the gradient norms. Pure functions of the configuration and the probe, so the wording is tested.
import { CONFIG_SCHEMA, type TrainConfig } from '../../core/config';
import { normCostFraction, runSeconds, statsMs, type StepTiming } from '../../core/perf/run-time';
import { PRESETS, type PresetName } from '../../core/presets';
import type { ProbeOutcome } from '../../../workers/engine-api';
import { formatDuration } from './format';

/** A rounded duration for prose: "45 s", "10 min", "28 h 53 min". */
export function formatAbout(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const secondsPerStep = (t: StepTiming): string => `${(t.stepMs / 1000).toFixed(2)} s per step`;

/**
 * The line under the preset picker: a timed preset's minutes and steps here once measured ("Standard:
 * about 10 min here, 320 steps"), else what its steps assume; Paper's length here.
 */
export function presetLine(
  name: PresetName,
  config: TrainConfig,
  timing: StepTiming | null,
  backend: string | null,
): string {
  const spec = PRESETS[name];
  if (spec.minutes === null) {
    const where = timing ? `: about ${formatAbout(runSeconds(timing, config))} here` : '';
    return `${spec.label}: ${config.steps} steps, batch ${config.batchSize}, ${config.imageSize} px, ${config.teacher}${where}.`;
  }
  if (timing)
    return `${spec.label}: about ${formatAbout(runSeconds(timing, config))} here, ${config.steps} steps (${secondsPerStep(timing)} on ${backend ?? 'this backend'}).`;
  const nominal = spec.nominal!;
  return (
    `${spec.label}: ${config.steps} steps, about ${spec.minutes} min at ${secondsPerStep(nominal)} ` +
    `(WASM, 2 cores) until this device is measured.`
  );
}

/**
 * The estimate before Start, from a probe of this configuration; `liveShare`: the share of the
 * training time the live anomaly maps may add (0 when they are off).
 */
export function estimateLine(config: TrainConfig, outcome: ProbeOutcome, liveShare = 0): string {
  if (outcome.kind === 'declined') return `Not measured on ${outcome.backend}: ${outcome.reason}`;
  const t = outcome.probe;
  const parts = [
    `setup ${formatDuration(t.setupMs / 1000)}`,
    `${config.steps} steps × ${(t.stepMs / 1000).toFixed(2)} s`,
  ];
  if (config.gradNormEvery > 0)
    parts.push(
      t.gradStepMs === null
        ? 'the gradient norms not measured'
        : `gradient norms every ${config.gradNormEvery} steps +${percent(normCostFraction(t, config.gradNormEvery))}`,
    );
  if (config.statsBatches > 0)
    parts.push(`final BatchNorm statistics ${formatDuration(statsMs(t.stepMs, config.statsBatches) / 1000)}`);
  if (liveShare > 0) parts.push(`live maps at most +${percent(liveShare)}`);
  const steps = t.stepsMs.length;
  const seconds = runSeconds(t, config);
  const total = seconds + liveShare * (seconds - t.setupMs / 1000);
  return (
    `About ${formatDuration(total)} on this device (${parts.join(', ')}; ` +
    `measured on ${t.backend} from ${steps} step${steps === 1 ? '' : 's'} after a warm-up` +
    `${t.teacherWeights === 'random' ? ', teacher timed with random weights' : ''}).`
  );
}

const percent = (f: number): string => `${f < 0.1 ? (100 * f).toFixed(1) : Math.round(100 * f)} %`;

/** Next to the norms field: what measuring them costs here. */
export function gradNormCostLine(timing: StepTiming | null, gradNormEvery: number): string | null {
  if (!timing || timing.gradStepMs === null) return null;
  const step = `a measuring step takes ${(timing.gradStepMs / 1000).toFixed(2)} s against ${(timing.stepMs / 1000).toFixed(2)} s`;
  const usual = CONFIG_SCHEMA.gradNormEvery.default;
  if (gradNormEvery === 0)
    return `Off. Every ${usual} steps would add ${percent(normCostFraction(timing, usual))} here (${step}).`;
  return `Adds ${percent(normCostFraction(timing, gradNormEvery))} to the run here (${step}).`;
}
