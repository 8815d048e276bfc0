import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../io/safetensors';
import type { ParamStore } from './params';

/**
 * Moves weights between PyTorch state_dict layouts and the ParamStore's TF.js layouts:
 * Conv2d OIHW [out,in,kh,kw] <-> HWIO [kh,kw,in,out]; ConvTranspose2d [in,out,kh,kw] <->
 * [in,kh,kw,out] (which names are transposed convs is the model's knowledge, passed in);
 * everything else unchanged.
 */

export type IsTransposedConv = (name: string) => boolean;
const NONE: IsTransposedConv = () => false;

/** Axis permutation taking a torch 4-D weight to our layout. */
function toOurs(transposed: boolean): number[] {
  return transposed ? [0, 2, 3, 1] : [2, 3, 1, 0];
}
/** Axis permutation taking our 4-D weight back to torch's layout. */
function toTorch(transposed: boolean): number[] {
  return transposed ? [0, 3, 1, 2] : [3, 2, 0, 1];
}

/** The torch shape of one of our tensors. */
export function torchShape(shape: readonly number[], transposed: boolean): number[] {
  return shape.length === 4 ? toTorch(transposed).map((a) => shape[a]) : [...shape];
}

/** A torch-layout array as a tensor in our layout. */
export function fromTorch(a: NamedArray, transposed: boolean): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(
      a.data instanceof Float32Array ? a.data : Float32Array.from(a.data),
      a.shape,
      'float32',
    );
    return a.shape.length === 4 ? tf.transpose(t, toOurs(transposed)) : t;
  });
}

/** One of our tensors in torch layout (a new tensor). */
export function toTorchLayout(t: tf.Tensor, transposed: boolean): tf.Tensor {
  return t.rank === 4 ? tf.transpose(t, toTorch(transposed)) : tf.clone(t);
}

export interface LoadTorchOptions {
  /** Only keys starting with this prefix are considered, and it is stripped (e.g. `teacher.`). */
  prefix?: string;
  transposed?: IsTransposedConv;
  /** Keys (after the prefix) that the file may carry and the model does not use (layer4, fc, ...). */
  ignore?: (name: string) => boolean;
  /** Label for error messages, e.g. `resnet18 teacher`. */
  label?: string;
}

/**
 * Loads a state dict into `store`, strictly: every store entry must be in the file with the right
 * shape and every file entry must be used or ignorable (`num_batches_tracked` always is). All
 * problems are listed in one Error before anything is assigned.
 */
export function loadTorchWeights(
  store: ParamStore,
  weights: Map<string, NamedArray>,
  opts: LoadTorchOptions = {},
): void {
  const prefix = opts.prefix ?? '';
  const transposed = opts.transposed ?? NONE;
  const label = opts.label ?? 'model';
  const problems: string[] = [];
  for (const [name, v] of store.entries()) {
    const a = weights.get(prefix + name);
    const want = torchShape(v.shape, transposed(name));
    if (!a) problems.push(`missing ${prefix}${name} [${want.join(',')}]`);
    else if (a.shape.join(',') !== want.join(',')) {
      problems.push(
        `${prefix}${name}: file has [${a.shape.join(',')}], ${label} expects [${want.join(',')}]`,
      );
    }
  }
  for (const key of weights.keys()) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (store.has(name) || name.endsWith('num_batches_tracked') || opts.ignore?.(name)) continue;
    problems.push(`unexpected ${key}`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 10).join('; ');
    throw new Error(
      `The weights do not fit the ${label} (${problems.length} problems: ${shown}${problems.length > 10 ? '; …' : ''}).`,
    );
  }
  for (const [name, v] of store.entries()) {
    const t = fromTorch(weights.get(prefix + name)!, transposed(name));
    v.assign(t);
    t.dispose();
  }
}

/** The store as a torch state dict (NCHW layouts, F32), e.g. to export or to compare with goldens. */
export async function exportTorchWeights(
  store: ParamStore,
  transposed: IsTransposedConv = NONE,
  prefix = '',
): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [name, v] of store.entries()) {
    const t = toTorchLayout(v, transposed(name));
    out.set(prefix + name, { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array });
    t.dispose();
  }
  return out;
}
