import * as tf from '@tensorflow/tfjs';
import type { TeacherName, TrainedModel } from '../config';
import { ParamStore, Scope, type Mode } from '../nn/params';
import { createMsff, msffChannelsForTeacher, msffForward } from './msff';
import { createOcbe, ocbeForward } from './ocbe';
import { createStudent, studentForward } from './student';
import { rdConfigFor, type RdConfig } from './rd-config';
import { selectNearest, selectReference, type MemoryBank } from './memory-bank';

/**
 * The trainable part of DM-GRD (METHOD.md section 3): MSFF, OCBE and the reverse student, all in one
 * ParamStore under the reference checkpoint's group names (`msff.`, `bn.`, `student.`). Plain RD is
 * the same network without memories and MSFF: the OCBE reads the teacher features directly.
 */
export interface Network {
  readonly kind: TrainedModel;
  readonly teacher: TeacherName;
  readonly teacherChannels: readonly [number, number, number];
  readonly rd: RdConfig;
  readonly store: ParamStore;
}

export type Levels = [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];

export interface Banks {
  normal: MemoryBank;
  abnormal: MemoryBank;
}

export function createNetwork(
  kind: TrainedModel,
  teacher: TeacherName,
  teacherChannels: readonly [number, number, number],
  seed: number,
): Network {
  const store = new ParamStore();
  const root = new Scope(store);
  const rd = rdConfigFor(teacher, teacherChannels);
  if (kind === 'dmgrd') createMsff(root.sub('msff'), msffChannelsForTeacher(teacherChannels), seed + 1);
  createOcbe(root.sub('bn'), rd, seed + 2);
  createStudent(root.sub('student'), rd, seed + 3);
  return { kind, teacher, teacherChannels, rd, store };
}

const scope = (net: Network, group: 'msff' | 'bn' | 'student'): Scope => new Scope(net.store).sub(group);

/** Memory select of one bank: reference argmin of the diff bank, or (paper) the nearest item. */
export interface BankSelection {
  /** Slot picked per batch row, [B]. */
  index: tf.Tensor1D;
  /** MSFF inputs per level, [B,H,W,2C]. */
  inputs: Levels;
  /** What the slot was chosen from: the reference diff bank [B,3k], or the item similarity [B,L]. */
  ranking: tf.Tensor2D;
}

export function selectFromBank(bank: MemoryBank, feats: Levels, paper: boolean): BankSelection {
  if (paper) {
    const s = selectNearest(bank, feats);
    return { index: s.index, inputs: s.inputs as Levels, ranking: s.score };
  }
  const s = selectReference(bank, feats);
  return { index: s.index, inputs: s.inputs as Levels, ranking: s.diff };
}

export function disposeSelection(s: BankSelection): void {
  tf.dispose([s.index, s.ranking, ...s.inputs]);
}

export function msff(net: Network, inputs: Levels, mode: Mode): Levels {
  return msffForward(scope(net, 'msff'), inputs, mode);
}

/** OCBE + reverse student on the three fused levels; returns [de0, de1, de2] paired with teacher taps. */
export function decode(net: Network, fused: Levels, mode: Mode): Levels {
  return tf.tidy(() =>
    studentForward(scope(net, 'student'), net.rd, ocbeForward(scope(net, 'bn'), net.rd, fused, mode), mode),
  );
}

/**
 * Inference for a batch of teacher features: DM-GRD selects from the normal bank, fuses with MSFF and
 * decodes (the reference `evaluate`); RD decodes the teacher features directly. Eval mode.
 */
export function reconstruct(
  net: Network,
  banks: Banks | null,
  feats: Levels,
  opts: { paperSelect: boolean; mode: Mode },
): { student: Levels; selected: tf.Tensor1D | null } {
  if (net.kind === 'rd') return { student: decode(net, feats, opts.mode), selected: null };
  if (!banks) throw new Error('DM-GRD needs its memory banks: build them before inference.');
  const sel = selectFromBank(banks.normal, feats, opts.paperSelect);
  const student = tf.tidy(() => decode(net, msff(net, sel.inputs, opts.mode), opts.mode));
  tf.dispose([sel.ranking, ...sel.inputs]);
  return { student, selected: sel.index };
}

/** Trainable parameter count of the network (not the frozen teacher). */
export function parameterCount(net: Network): number {
  return net.store.count();
}
