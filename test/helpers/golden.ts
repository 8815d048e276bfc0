import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, type NamedArray } from '../../src/core/io/safetensors';

/** `../shared` beside the repository root, read at run time (never copied into the repo). */
export const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const GOLDEN = resolve(SHARED, 'golden');

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED, ...parts);
}

export function hasShared(): boolean {
  return existsSync(GOLDEN);
}

/** Loads a golden fixture (`name` with or without `.gz`). */
export function loadGolden(name: string): Map<string, NamedArray> {
  const path = resolve(GOLDEN, name);
  const raw = readFileSync(path);
  return readSafetensors(new Uint8Array(name.endsWith('.gz') ? gunzipSync(raw) : raw));
}

/** NCHW golden array -> NHWC tensor (4-D); other ranks unchanged. */
export function nhwc(a: NamedArray): tf.Tensor {
  const t = tf.tensor(a.data as Float32Array, a.shape);
  if (a.shape.length !== 4) return t;
  const r = tf.transpose(t, [0, 2, 3, 1]);
  t.dispose();
  return r;
}

export function get(m: Map<string, NamedArray>, name: string): NamedArray {
  const a = m.get(name);
  if (!a) throw new Error(`golden tensor ${name} missing`);
  return a;
}

/** max|a-b| / max|ref|: the README's relative-to-range error measure. */
export function relErr(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (actual.length !== ref.length) throw new Error(`length ${actual.length} vs ${ref.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

/** NHWC tensor -> NCHW flat values, for comparing against golden NCHW arrays. */
export function toNchwData(t: tf.Tensor): Float32Array {
  const r = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const d = r.dataSync() as Float32Array;
  if (r !== t) r.dispose();
  return d;
}
