import * as tf from '@tensorflow/tfjs';
import { validateConfig, type TrainConfig } from '../config';
import type { MemoryBank } from '../model/memory-bank';
import type { Moments } from '../train/adam';
import { PROJECTION_ARRAY } from '../patchcore/model';
import {
  CheckpointError,
  checkpointSize,
  decodeCheckpoint,
  encodeCheckpoint,
  loadStoreFromArrays,
  storeEntries,
  type PendingArray,
} from '../train/checkpoint';
import type { ModelSession } from './model-session';
import type { Session } from './session';

/** What a playground checkpoint's metadata holds besides its tensors. */
export interface SessionMeta {
  config: TrainConfig;
  step: number;
  adamStep: number;
  teacherChannels: [number, number, number];
  banks: { normal: number[]; abnormal: number[] } | null;
  /**
   * PatchCore with a fitted memory: the training images it came from (the fit's step count is those
   * plus the coreset size) and its covering radius. Absent for the other models and unfinished fits.
   */
  patchcore?: { trainImages: number; coveringRadius: number | null };
  /** Free-form extras (dataset name, metrics, ...). */
  extra: Record<string, unknown>;
}

type Arrays = Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

/** A group of a checkpoint's tensors, as the export plan lists it: a name pattern and what it holds. */
export interface CheckpointPart {
  path: string;
  what: string;
  arrays: PendingArray[];
}

/** What a checkpoint of `session` holds, before anything is read off the device. */
export interface CheckpointLayout {
  meta: SessionMeta;
  parts: CheckpointPart[];
}

const bankEntries = (prefix: string, bank: MemoryBank): PendingArray[] =>
  bank.levels.flatMap((level, l) => [
    { name: `${prefix}.l${l}.maps`, tensor: level.maps },
    { name: `${prefix}.l${l}.means`, tensor: level.means },
  ]);

/** The checkpoint's metadata and tensors, without optimiser state (see `encodeSession`). */
export function checkpointLayout(
  session: ModelSession,
  extra: Record<string, unknown> = {},
): CheckpointLayout {
  if (session.kind === 'patchcore') {
    // An unfinished fit is saved as its configuration alone.
    const model = session.model;
    const meta: SessionMeta = {
      config: session.config,
      step: model.fitted ? model.stepsDone : 0,
      adamStep: 0,
      teacherChannels: [...session.teacher.channels] as [number, number, number],
      banks: null,
      ...(model.fitted
        ? { patchcore: { trainImages: model.images, coveringRadius: model.coveringRadius } }
        : {}),
      extra,
    };
    const parts = model.checkpointTensors().map((a) => ({
      path: a.name,
      what:
        a.name === PROJECTION_ARRAY
          ? `the random projection of the teacher's features (${a.tensor.shape.join(' × ')})`
          : `PatchCore's memory: ${a.tensor.shape[0].toLocaleString('en')} patch features of ${a.tensor.shape[1]} values`,
      arrays: [a],
    }));
    return { meta, parts };
  }
  const { store } = session.net;
  const entries = storeEntries(store);
  const parts: CheckpointPart[] = [
    {
      path: 'param/*',
      what: `the trained weights (${store.count().toLocaleString('en')} parameters)`,
      arrays: entries.filter((a) => a.name.startsWith('param/')),
    },
    {
      path: 'buffer/*',
      what: 'the BatchNorm running statistics',
      arrays: entries.filter((a) => a.name.startsWith('buffer/')),
    },
  ];
  const banks = session.banks;
  if (banks)
    for (const which of ['normal', 'abnormal'] as const)
      parts.push({
        path: `memory.${which}.*`,
        what: `the ${which} memory bank (${banks[which].sources.length} items × ${banks[which].levels.length} teacher levels)`,
        arrays: bankEntries(`memory.${which}`, banks[which]),
      });
  const meta: SessionMeta = {
    config: session.config,
    step: session.trainer.step,
    adamStep: 0,
    teacherChannels: [...session.net.teacherChannels] as [number, number, number],
    banks: banks ? { normal: banks.normal.sources, abnormal: banks.abnormal.sources } : null,
    extra,
  };
  return { meta, parts: parts.filter((p) => p.arrays.length > 0) };
}

/** The exact size of the file `encodeSession` writes for this layout without optimiser state. */
export function layoutSize(layout: CheckpointLayout): number {
  return checkpointSize(
    layout.meta,
    layout.parts.flatMap((p) => p.arrays),
  );
}

export interface EncodeOptions {
  /**
   * Adds Adam's moments (twice the weights' size): needed to resume training exactly, not to use or
   * inspect the model, so downloads leave them out and the run store keeps them.
   */
  optimizer?: boolean;
  /** Called after each tensor is read off the device, with the bytes read of the layout's total. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export async function encodeSession(
  session: ModelSession,
  extra: Record<string, unknown> = {},
  opts: EncodeOptions = {},
): Promise<Uint8Array> {
  const { meta, parts } = checkpointLayout(session, extra);
  const pending = parts.flatMap((p) => p.arrays);
  const total = pending.reduce((n, a) => n + 4 * a.tensor.size, 0);
  const arrays: Arrays = new Map();
  let done = 0;
  for (const { name, tensor } of pending) {
    arrays.set(name, { shape: tensor.shape, data: (await tensor.data()) as Float32Array });
    done += 4 * tensor.size;
    await opts.onProgress?.(done, total);
  }
  if (opts.optimizer && session.kind !== 'patchcore') {
    // In host mode these are the optimiser's own arrays: encoded below, before any further step.
    const adam = session.trainer.adam;
    for (const [name, { shape, m, v }] of await adam.exportMoments()) {
      arrays.set(`adam.m/${name}`, { shape, data: m });
      arrays.set(`adam.v/${name}`, { shape, data: v });
    }
    meta.adamStep = adam.step;
  }
  return encodeCheckpoint(meta, arrays);
}

export interface DecodedSession {
  meta: SessionMeta;
  arrays: Arrays;
}

export function decodeSession(bytes: Uint8Array): DecodedSession {
  const { meta, arrays } = decodeCheckpoint<SessionMeta>(bytes);
  try {
    meta.config = validateConfig(meta.config);
  } catch (e) {
    throw new CheckpointError(`The checkpoint's configuration is invalid: ${(e as Error).message}`);
  }
  // Hand-edited or foreign metadata must fail here with a reason, not as a TypeError deep in the model.
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!count(meta.step) || !count(meta.adamStep))
    throw new CheckpointError('The checkpoint metadata has no valid step count: the file is damaged.');
  if (
    !Array.isArray(meta.teacherChannels) ||
    meta.teacherChannels.length !== 3 ||
    !meta.teacherChannels.every(count)
  )
    throw new CheckpointError(
      'The checkpoint metadata has no valid teacher channel counts: the file is damaged.',
    );
  const indices = (v: unknown): boolean => Array.isArray(v) && v.every(count);
  if (
    meta.banks !== null &&
    !(typeof meta.banks === 'object' && indices(meta.banks?.normal) && indices(meta.banks?.abnormal))
  )
    throw new CheckpointError(
      'The checkpoint metadata describes its memory banks wrongly: the file is damaged.',
    );
  const fit = meta.patchcore;
  if (
    fit !== undefined &&
    !(
      typeof fit === 'object' &&
      fit !== null &&
      count(fit.trainImages) &&
      (fit.coveringRadius === null || (typeof fit.coveringRadius === 'number' && fit.coveringRadius >= 0))
    )
  )
    throw new CheckpointError(
      'The checkpoint metadata describes its PatchCore memory wrongly: the file is damaged.',
    );
  if (typeof meta.extra !== 'object' || meta.extra === null) meta.extra = {};
  return { meta, arrays };
}

export function bankFromArrays(prefix: string, arrays: Arrays, sources: number[]): MemoryBank {
  const levels = [0, 1, 2].map((l) => {
    const maps = arrays.get(`${prefix}.l${l}.maps`);
    const means = arrays.get(`${prefix}.l${l}.means`);
    if (!maps || !means) throw new CheckpointError(`The checkpoint lacks the ${prefix} memory (level ${l}).`);
    if (maps.shape[0] !== sources.length)
      throw new CheckpointError(
        `The ${prefix} memory has ${maps.shape[0]} items, its metadata ${sources.length}.`,
      );
    return {
      maps: tf.tensor4d(maps.data as Float32Array, maps.shape as [number, number, number, number]),
      means: tf.tensor2d(means.data as Float32Array, means.shape as [number, number]),
    };
  });
  return { levels, sources };
}

/** Restores weights, BN statistics and optimiser moments into a freshly built session of the same shape. */
export function restoreTraining(session: Session, decoded: DecodedSession): void {
  loadStoreFromArrays(session.net.store, decoded.arrays);
  session.trainer.adam.importMoments(momentsFromArrays(session, decoded.arrays), decoded.meta.adamStep);
  session.trainer.step = decoded.meta.step;
}

/**
 * The `adam.m/<name>` / `adam.v/<name>` pairs, checked against the model's parameters: a moment
 * of the wrong size would otherwise surface as NaNs (host moments) or a shape error mid-training.
 */
function momentsFromArrays(session: Session, arrays: Arrays): Map<string, Moments> {
  // Paper mode trains the memory maps too: their moments are saved under `memory.<bank>.l<l>.maps`.
  const trainable = session.trainer.trainable();
  const halves = new Map<string, { shape: number[]; m?: Float32Array; v?: Float32Array }>();
  const problems: string[] = [];
  const rejected = new Set<string>();
  for (const [key, a] of arrays) {
    const match = /^adam\.(m|v)\/(.+)$/.exec(key);
    if (!match) continue;
    const which = match[1] as 'm' | 'v';
    const name = match[2];
    const param = trainable.get(name);
    if (!param) {
      problems.push(`moment of unknown parameter ${name}`);
      rejected.add(name);
    } else if (!(a.data instanceof Float32Array) || a.shape.join('x') !== param.shape.join('x')) {
      problems.push(`${key}: file has ${a.shape.join('x')}, model expects float32 ${param.shape.join('x')}`);
      rejected.add(name);
    } else {
      const h = halves.get(name) ?? { shape: a.shape };
      h[which] = a.data;
      halves.set(name, h);
    }
  }
  const moments = new Map<string, Moments>();
  for (const [name, { shape, m, v }] of halves) {
    if (m && v) moments.set(name, { shape, m, v });
    else if (!rejected.has(name)) problems.push(`${name} has only its adam.${m ? 'm' : 'v'} moment`);
  }
  if (problems.length)
    throw new CheckpointError(
      `The checkpoint's optimiser state does not fit this model (${problems.slice(0, 8).join('; ')}${problems.length > 8 ? '; …' : ''}).`,
    );
  return moments;
}
