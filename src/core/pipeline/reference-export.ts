import * as tf from '@tensorflow/tfjs';
import { writePth, type StateDicts, type TorchTensor } from '../io/pth-writer';
import { writeSafetensors } from '../io/safetensors';
import type { Banks, Network } from '../model/dmgrd';
import type { MemoryBank } from '../model/memory-bank';
import { studentTransposedConvs } from '../model/student';
import { toTorchLayout } from '../nn/torch-weights';

/**
 * The inverse of importReferenceWeights (reference-import.ts): the network as the authors'
 * `best_model.pt`, `{'msff': msff.state_dict(), 'student': student.state_dict(), 'bn':
 * bn.state_dict()}` with torch's names, layouts and key order (per module: parameters, then running
 * statistics, then `num_batches_tracked`), which their `test.py` loads with `load_state_dict`. The
 * memory banks, which their code rebuilds at start-up from random training images, go to a
 * separate tensor file (encodeMemoryBanks) so the same items can be used.
 */

const GROUPS = ['msff', 'student', 'bn'] as const;

export interface ReferenceExportOptions {
  /** Written as every BatchNorm's `num_batches_tracked` (one train-mode forward per step). */
  steps: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

/** The reference state dicts of a DM-GRD network (tensors copied out of the backend). */
export async function referenceStateDicts(net: Network, steps: number): Promise<StateDicts> {
  if (net.kind !== 'dmgrd')
    throw new Error(
      'The PyTorch export writes a DM-GRD reference checkpoint (msff, student, bn): plain RD has no MSFF.',
    );
  const transposed = studentTransposedConvs(net.rd);
  const dicts: StateDicts = new Map(GROUPS.map((g) => [g, new Map<string, TorchTensor>()]));
  for (const name of torchOrder(net)) {
    const dot = name.indexOf('.');
    const group = dicts.get(name.slice(0, dot));
    const local = name.slice(dot + 1);
    if (!group) throw new Error(`${name} belongs to none of ${GROUPS.join(', ')}`);
    if (local.endsWith('num_batches_tracked')) {
      group.set(local, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(steps)) });
      continue;
    }
    const t = toTorchLayout(net.store.get(name), name.startsWith('student.') && transposed.has(local));
    group.set(local, { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array });
    t.dispose();
  }
  return dicts;
}

/** `best_model.pt` of the network, as parts of the file. */
export async function encodeReferenceCheckpoint(
  net: Network,
  opts: ReferenceExportOptions,
): Promise<Uint8Array[]> {
  return writePth(await referenceStateDicts(net, opts.steps), { onProgress: opts.onProgress });
}

/**
 * Store names in torch's state_dict order: modules in creation order, each with its parameters,
 * then its buffers, then (for a BatchNorm) `num_batches_tracked`, which the store does not keep.
 */
function torchOrder(net: Network): string[] {
  const modules = new Map<string, string[]>();
  const moduleOf = (name: string) => name.slice(0, name.lastIndexOf('.'));
  for (const [name] of net.store.entries()) {
    const m = moduleOf(name);
    const list = modules.get(m) ?? [];
    list.push(name);
    modules.set(m, list);
  }
  const out: string[] = [];
  for (const [m, names] of modules) {
    const params = names.filter((n) => net.store.params.has(n));
    const buffers = names.filter((n) => !net.store.params.has(n));
    out.push(...params, ...buffers);
    if (buffers.some((n) => n.endsWith('.running_var'))) out.push(`${m}.num_batches_tracked`);
  }
  return out;
}

/** Which images each bank's items came from, and what the file is for. */
export interface MemoryBankSources {
  /** Dataset paths of the normal bank's items, in slot order. */
  normal: string[];
  /** Dataset paths of the images the abnormal bank's synthetic anomalies were made from. */
  abnormal: string[];
  teacher: string;
  imageSize: number;
}

/**
 * Both memory banks as safetensors under the reference `MemoryBank`'s attribute names, NCHW like
 * the tensors its `update` builds: `memory_bank_normal.update_normal_memory_information.level<l>`
 * (the items' teacher maps, [L,C,H,W]) and `memory_bank_normal.normal_memory_information.level<l>`
 * (their spatial means, [L,C]); likewise `memory_bank_abnormal.*abnormal*`. The metadata lists the
 * source image paths of the slots in order.
 */
export async function encodeMemoryBanks(banks: Banks, sources: MemoryBankSources): Promise<Uint8Array> {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const add = async (kind: 'normal' | 'abnormal', bank: MemoryBank) => {
    for (const [l, level] of bank.levels.entries()) {
      const nchw = tf.transpose(level.maps, [0, 3, 1, 2]); // [L,H,W,C] -> [L,C,H,W]
      tensors.set(`memory_bank_${kind}.update_${kind}_memory_information.level${l}`, {
        shape: nchw.shape,
        data: (await nchw.data()) as Float32Array,
      });
      nchw.dispose();
      tensors.set(`memory_bank_${kind}.${kind}_memory_information.level${l}`, {
        shape: level.means.shape,
        data: (await level.means.data()) as Float32Array,
      });
    }
  };
  await add('normal', banks.normal);
  await add('abnormal', banks.abnormal);
  return writeSafetensors(tensors, {
    format: 'dmgrd-memory-banks',
    teacher: sources.teacher,
    image_size: String(sources.imageSize),
    normal_sources: JSON.stringify(sources.normal),
    abnormal_sources: JSON.stringify(sources.abnormal),
    abnormal_note:
      'abnormal items are synthetic anomalies (Perlin noise, Fourier texture mix) of these images',
  });
}
