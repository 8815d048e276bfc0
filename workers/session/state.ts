// The one state object every session command works on, and the small operations on it that
// several commands share: the dataset and model checks, teacher adoption, run records.
import { fetchReader, loadTeacher, teacherUrl, type Teacher } from '../../src/core/backbones';
import type { TeacherName } from '../../src/core/config';
import type { NamedArray } from '../../src/core/io/safetensors';
import { freeDisposedFilters } from '../../src/core/kernels/filter-cache';
import { decodeSession, encodeSession } from '../../src/core/pipeline/checkpoint';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import type { Evaluation } from '../../src/core/pipeline/evaluate';
import { restoreSession, type ModelSession } from '../../src/core/pipeline/model-session';
import type { StepReport } from '../../src/core/train/trainer';
import type { EngineEvent } from '../engine-api';
import { DeviceLostError } from '../recovery-policy';
import type { DatasetSummary, InputFile, RunRecord, SessionInfo } from '../session-api';
import type { TaskRegistry } from '../tasks';
import { RecoveryGate, type BackendControl } from './recovery-guard';
import * as runsDb from './runs-db';

/** Everything the session commands hold between calls. Only the worker owns tensors. */
export interface SessionState {
  data: DatasetImages | null;
  summary: DatasetSummary | null;
  teacher: Teacher | null;
  /**
   * The torchvision weights file a teacher was loaded from (their weights are not served), kept so
   * the web package can carry it; valid while `teacher` is the one it loaded.
   */
  teacherFile: { teacher: Teacher; file: InputFile } | null;
  session: ModelSession | null;
  run: RunRecord | null;
  evaluation: Evaluation | null;
  /** Whether the current dataset is the user's (not the generated demo). */
  userDataset: boolean;
  /** User dataset loads in flight. */
  userLoads: number;
}

/** The state and what the commands reach through it: tasks, events, the backend. */
export interface SessionContext {
  readonly state: SessionState;
  readonly tasks: TaskRegistry;
  readonly emit: (e: EngineEvent) => void;
  /**
   * Lets training recover from a lost GPU or an out-of-memory step, and evaluation and live scoring
   * from a lost GPU (recovery-guard.ts); absent (Node tests), such a failure ends the call.
   */
  readonly backend?: BackendControl;
  /** Every guard shares it, so two commands meeting one lost device rebuild the backend once. */
  readonly gate: RecoveryGate;
}

export function createSessionContext(
  tasks: TaskRegistry,
  emit: (e: EngineEvent) => void,
  backend?: BackendControl,
): SessionContext {
  const state: SessionState = {
    data: null,
    summary: null,
    teacher: null,
    teacherFile: null,
    session: null,
    run: null,
    evaluation: null,
    userDataset: false,
    userLoads: 0,
  };
  return { state, tasks, emit, backend, gate: new RecoveryGate() };
}

export function requireData(state: SessionState): DatasetImages {
  if (!state.data || state.data.train.length === 0)
    throw new Error('Load a dataset with training images first.');
  return state.data;
}

export function requireSession(state: SessionState): ModelSession {
  if (!state.session) throw new Error('No model yet: start training or import a checkpoint first.');
  return state.session;
}

/**
 * The teacher `name`: the loaded one when it matches (and no new torchvision weights are given),
 * else a freshly loaded one that is not installed yet, so the current session keeps working until
 * `adoptTeacher` runs once the new session is built: a failed import changes nothing.
 */
export async function candidateTeacher(
  state: SessionState,
  name: TeacherName,
  onProgress?: (done: number, total: number) => void,
  torchWeights?: Map<string, NamedArray>,
): Promise<Teacher> {
  if (state.teacher?.name === name && !torchWeights) return state.teacher;
  const base = `${import.meta.env.BASE_URL}teachers/`;
  return loadTeacher(name, fetchReader(teacherUrl(name, base)), { onProgress, torchWeights });
}

/**
 * Disposes models (sessions, teachers) and, with them, the filter transforms scoring kept of their
 * weights (filter-cache.ts), which would otherwise stay until the next model scores or trains.
 */
export function disposeModels(...owners: ({ dispose(): void } | null | undefined)[]): void {
  for (const owner of owners) owner?.dispose();
  freeDisposedFilters();
}

/** Makes a candidate teacher current, freeing the previous teacher and the session built on it. */
export function adoptTeacher(state: SessionState, teacher: Teacher): Teacher {
  if (teacher === state.teacher) return teacher;
  disposeModels(state.session, state.teacher);
  state.session = null;
  state.evaluation = null;
  state.teacher = teacher;
  return teacher;
}

/** Frees a candidate teacher that was not adopted (the import using it failed). */
export function dropCandidate(state: SessionState, teacher: Teacher): void {
  if (teacher !== state.teacher) disposeModels(teacher);
}

/** The loaded teacher, reloaded when another is asked for. */
export async function teacherFor(
  state: SessionState,
  name: TeacherName,
  onProgress?: (done: number, total: number) => void,
): Promise<Teacher> {
  if (state.teacher?.name === name) return state.teacher;
  // Creating a session replaces the current one anyway: free it before loading the new teacher.
  disposeModels(state.session, state.teacher);
  state.session = null;
  state.teacher = null;
  return adoptTeacher(state, await candidateTeacher(state, name, onProgress));
}

export function replaceSession(state: SessionState, session: ModelSession): void {
  if (state.session && state.session !== session) disposeModels(state.session);
  state.session = session;
  state.evaluation = null;
}

/** A session restored from checkpoint `bytes` on the current dataset; its teacher becomes current. */
export async function restore(
  state: SessionState,
  bytes: Uint8Array,
  onProgress: (d: number, t: number) => void,
): Promise<ModelSession> {
  const decoded = decodeSession(bytes);
  const data = requireData(state);
  const teacher = await candidateTeacher(state, decoded.meta.config.teacher, onProgress);
  try {
    const session = restoreSession(teacher, data, decoded);
    adoptTeacher(state, teacher);
    return session;
  } catch (e) {
    dropCandidate(state, teacher);
    throw e;
  }
}

export function info(state: SessionState): SessionInfo {
  const s = requireSession(state);
  return {
    runId: state.run?.id ?? '',
    config: s.config,
    step: s.stepsDone,
    totalSteps: s.totalSteps,
    parameters: s.parameters,
    teacherChannels: [...s.teacher.channels] as [number, number, number],
    memorySources: s.memorySources,
    notes: [...s.notes],
  };
}

export function newRun(
  state: SessionState,
  config: ModelSession['config'],
  history: StepReport[] = [],
): RunRecord {
  const now = Date.now();
  return {
    id: `run-${now.toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
    createdAt: now,
    updatedAt: now,
    dataset: state.summary?.category ?? 'dataset',
    datasetFingerprint: state.summary?.fingerprint,
    config,
    step: 0,
    history,
    metrics: null,
    hasCheckpoint: false,
    status: 'training',
  };
}

/**
 * Saves the run record (and a checkpoint, announced by a `checkpoint` event once stored); false
 * when storage failed (already reported as a log event).
 */
export async function persist(
  ctx: SessionContext,
  status: RunRecord['status'],
  withCheckpoint: boolean,
): Promise<boolean> {
  const { state, backend, emit } = ctx;
  const s = state.session;
  const run = state.run;
  if (!s || !run) return false;
  run.step = s.stepsDone;
  run.status = status;
  run.updatedAt = Date.now();
  if (backend) run.backend = backend.active();
  const bytes = withCheckpoint
    ? await encodeSession(s, { dataset: run.dataset }, { optimizer: true })
    : undefined;
  // Reads from a lost device can resolve with zeros: such a checkpoint must not replace a good one.
  const lost = backend?.lost();
  if (bytes && lost) throw new DeviceLostError(lost);
  try {
    const stored = await runsDb.saveRun(structuredClone(run), bytes);
    run.hasCheckpoint = stored.hasCheckpoint;
    run.checkpointStep = stored.checkpointStep;
    if (bytes) emit({ type: 'checkpoint', runId: run.id, step: run.step });
    return true;
  } catch (e) {
    const message = (e as Error).message;
    emit({ type: 'log', level: 'error', message });
    emit({ type: 'checkpoint-failed', runId: run.id, step: run.step, message });
    return false;
  }
}
