import type { Teacher } from '../backbones/teacher';
import type { ModelKind, TrainConfig } from '../config';
import type { RgbImage } from '../data/image';
import type { DecodedSession, SessionMeta } from './checkpoint';
import type { DatasetImages } from './dataset';
import type { EvaluateOptions, Evaluation, Progress } from './evaluate';
import { PatchCoreSession } from './patchcore-session';
import { Session } from './session';

/**
 * What every session offers, whatever its model: a trained distillation network (Session: DM-GRD,
 * RD) or a fitted PatchCore memory (PatchCoreSession). Tensors never leave a session: results are
 * typed arrays.
 */
export interface SessionSurface {
  readonly kind: ModelKind;
  readonly teacher: Teacher;
  readonly data: DatasetImages;
  readonly config: TrainConfig;
  /** Steps done and planned: optimiser steps, or PatchCore's images embedded then coreset centres. */
  readonly stepsDone: number;
  readonly totalSteps: number;
  /** Trainable parameters (0 for PatchCore). */
  readonly parameters: number;
  /** Facts about the run worth showing once (warnings about the configuration, the memory's size). */
  readonly notes: readonly string[];
  /** Dataset train index of each DM-GRD memory slot; null for the other models. */
  readonly memorySources: { normal: number[]; abnormal: number[] } | null;
  evaluate(opts?: EvaluateOptions): Promise<Evaluation>;
  score(
    images: RgbImage[],
  ): Promise<{ maps: Float32Array; scores: Float32Array; selected: Int32Array | null }>;
  dispose(): void;
}

/** The worker's, the benchmark's and the tests' session: `kind` says which model it holds. */
export type ModelSession = Session | PatchCoreSession;

/** The session `config.model` asks for, ready to train or fit. */
export function createSession(
  teacher: Teacher,
  data: DatasetImages,
  config: TrainConfig,
  opts: { onProgress?: Progress; signal?: AbortSignal } = {},
): Promise<ModelSession> {
  if (config.model === 'patchcore') return Promise.resolve(PatchCoreSession.create(teacher, data, config));
  return Session.create(teacher, data, config, opts);
}

/** The session a checkpoint holds (checkpoint.ts), on `data`. */
export function restoreSession(teacher: Teacher, data: DatasetImages, decoded: DecodedSession): ModelSession {
  checkTeacher(decoded.meta, teacher);
  if (decoded.meta.config.model === 'patchcore')
    return PatchCoreSession.fromCheckpoint(teacher, data, decoded);
  return Session.fromCheckpoint(teacher, data, decoded);
}

/** A checkpoint is only usable with the teacher it was made with. */
function checkTeacher(meta: SessionMeta, teacher: Teacher): void {
  const config = meta.config;
  if (config.teacher !== teacher.name)
    throw new Error(`The checkpoint was made with the ${config.teacher} teacher, not ${teacher.name}.`);
  const channels = teacher.channels.join(',');
  if (meta.teacherChannels.join(',') !== channels)
    throw new Error(
      `The checkpoint's teacher has channels ${meta.teacherChannels.join('/')}, this one ${channels.replaceAll(',', '/')}.`,
    );
}
