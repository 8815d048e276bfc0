import * as tf from '@tensorflow/tfjs';
import { readSafetensors, safetensorsSize, writeSafetensors, SafetensorsError } from '../io/safetensors';
import type { ParamStore } from '../nn/params';

/**
 * One-file checkpoints: a safetensors buffer whose `__metadata__` carries the format tag and a JSON
 * document (config, step, metrics, ...), and whose tensors are the model's parameters and buffers
 * (`param/<name>`, `buffer/<name>`), the optimiser moments (`adam.m/<name>`, `adam.v/<name>`) and any
 * extra named arrays (memory banks) under their own prefixes. Readable by any safetensors tool.
 */
export const CHECKPOINT_FORMAT = 'dmgrd-playground/1';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

type Arrays = Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>;

export interface CheckpointContents<Meta> {
  meta: Meta;
  /** Every tensor in the file, by its full name. */
  arrays: Arrays;
}

/** A float32 tensor of a checkpoint: its name and shape now, its values (read off the device) when written. */
export interface PendingArray {
  name: string;
  tensor: tf.Tensor;
}

/** The store's tensors as checkpoint entries: `param/<name>`, then `buffer/<name>`. */
export function storeEntries(store: ParamStore): PendingArray[] {
  return [
    ...[...store.params].map(([name, tensor]) => ({ name: `param/${name}`, tensor })),
    ...[...store.buffers].map(([name, tensor]) => ({ name: `buffer/${name}`, tensor })),
  ];
}

export async function storeToArrays(store: ParamStore, into: Arrays = new Map()): Promise<Arrays> {
  for (const { name, tensor } of storeEntries(store))
    into.set(name, { shape: tensor.shape, data: (await tensor.data()) as Float32Array });
  return into;
}

const metadataOf = (meta: unknown): Record<string, string> => ({
  format: CHECKPOINT_FORMAT,
  meta: JSON.stringify(meta),
});

export function encodeCheckpoint<Meta>(meta: Meta, arrays: Arrays): Uint8Array {
  return writeSafetensors(arrays, metadataOf(meta));
}

/** The exact size of `encodeCheckpoint(meta, arrays)` when `arrays` are these float32 tensors. */
export function checkpointSize<Meta>(meta: Meta, arrays: readonly PendingArray[]): number {
  return safetensorsSize(
    arrays.map(({ name, tensor }) => ({
      name,
      dtype: 'F32',
      shape: tensor.shape,
      byteLength: 4 * tensor.size,
    })),
    metadataOf(meta),
  );
}

export function decodeCheckpoint<Meta>(bytes: Uint8Array): CheckpointContents<Meta> {
  let header: Record<string, string> | undefined;
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = Number(view.getBigUint64(0, true));
    if (len > bytes.byteLength) throw new SafetensorsError('header larger than the file');
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))).__metadata__;
  } catch {
    throw new CheckpointError('This file is not a playground checkpoint (no readable safetensors header).');
  }
  if (!header || header.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `This safetensors file is not a playground checkpoint (format "${header?.format ?? 'none'}", expected "${CHECKPOINT_FORMAT}").`,
    );
  }
  let meta: Meta;
  try {
    meta = JSON.parse(header.meta) as Meta;
  } catch {
    throw new CheckpointError('The checkpoint metadata is not valid JSON: the file is damaged.');
  }
  if (typeof meta !== 'object' || meta === null)
    throw new CheckpointError('The checkpoint metadata is not an object: the file is damaged.');
  let arrays: Arrays;
  try {
    arrays = readSafetensors(bytes) as Arrays;
  } catch (e) {
    throw new CheckpointError(`The checkpoint is damaged: ${(e as Error).message}`);
  }
  return { meta, arrays };
}

/**
 * Copies `param/` and `buffer/` arrays into a store built for the same architecture. Every missing,
 * extra or mis-shaped entry is listed in one error, so a checkpoint of another model says so.
 */
export function loadStoreFromArrays(store: ParamStore, arrays: Arrays): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, v] of store.entries()) {
    const key = `${store.params.has(name) ? 'param' : 'buffer'}/${name}`;
    const a = arrays.get(key);
    seen.add(key);
    if (!a) problems.push(`missing ${name}`);
    else if (a.shape.join('x') !== v.shape.join('x'))
      problems.push(`${name}: file has ${a.shape.join('x')}, model expects ${v.shape.join('x')}`);
  }
  for (const key of arrays.keys()) {
    if ((key.startsWith('param/') || key.startsWith('buffer/')) && !seen.has(key))
      problems.push(`unexpected ${key.slice(key.indexOf('/') + 1)}`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 8).join('; ');
    throw new CheckpointError(
      `The checkpoint does not fit this model (${problems.length} mismatches: ${shown}${problems.length > 8 ? '; …' : ''}).`,
    );
  }
  for (const [name, v] of store.entries()) {
    const a = arrays.get(`${store.params.has(name) ? 'param' : 'buffer'}/${name}`)!;
    tf.tidy(() => v.assign(tf.tensor(a.data as Float32Array, a.shape)));
  }
}
