import * as tf from '@tensorflow/tfjs';
import { offTape } from './webgpu';

/**
 * Transformed filters (Winograd's filter planes) kept between calls that differ only in their
 * input: scoring, where every call would otherwise transform the same weights again, and on WASM
 * XNNPACK would pack the fresh planes again (it keeps a packed copy per tensor it has seen).
 *
 * On only inside `withFilterCache` (the scoring path) and off the tape; any transform made
 * elsewhere (a training step, whose weights change every step and whose memory is tight on WASM;
 * building a memory bank) empties it. An entry is keyed by the weight tensor's data id, and TF.js
 * gives new values a new data id (`Variable.assign`; Adam writes to a fresh tensor), so a changed
 * weight never hits a stale entry; an entry whose source is gone is freed at the next miss, or at
 * once by `freeDisposedFilters` (the worker calls it whenever it disposes a model).
 * Admission is first come within the budget, never evicting: scoring walks the layers in the same
 * order every call, where least-recently-used eviction with too small a budget would miss every
 * time.
 */
export const FILTER_CACHE_FLAG = 'DMGRD_FILTER_CACHE_FLOATS';
tf.env().registerFlag(FILTER_CACHE_FLAG, () => 2 ** 24);

/** Floats the cache may hold: a TF.js flag, so `--tf-flags DMGRD_FILTER_CACHE_FLOATS=0` turns it off. */
const budget = (): number => tf.env().getNumber(FILTER_CACHE_FLAG);

interface Entry {
  backend: string;
  /** The source weight's data id, to see when it is gone. */
  source: object;
  value: tf.Tensor | tf.Tensor[];
  floats: number;
}

const tensorsOf = (v: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(v) ? v : [v]);

const entries = new Map<string, Entry>();
const ids = new WeakMap<object, number>();
let nextId = 0;
let used = 0;
let scopes = 0;

/**
 * Runs `fn` with the cache on: inference only (scoring). Never a gradient computation: its backward
 * pass runs with the tape closed and would fill the cache with transforms of weights about to change.
 */
export function withFilterCache<T>(fn: () => T): T {
  scopes++;
  try {
    return fn();
  } finally {
    scopes--;
  }
}

const idOf = (dataId: object): number => {
  let id = ids.get(dataId);
  if (id === undefined) ids.set(dataId, (id = nextId++));
  return id;
};

const entryName = (w: tf.Tensor, key: string): string => `${tf.getBackend()}|${idOf(w.dataId)}|${key}`;

/**
 * Whether transforms may be kept now. If not (training, or building a memory bank: the memory is
 * theirs), the cache is emptied.
 */
function active(): boolean {
  if (scopes > 0 && offTape() && budget() > 0) return true;
  if (entries.size) clearFilterCache();
  return false;
}

/** Frees the entries of another backend or of weights that no longer exist. */
function purge(): void {
  const backend = tf.getBackend();
  for (const [key, e] of entries) {
    const alive = e.backend === backend && tf.backend().refCount(e.source) > 0;
    if (alive) continue;
    entries.delete(key);
    used -= e.floats;
    // A lost backend cannot free its tensors; they went with it.
    for (const t of tensorsOf(e.value))
      try {
        t.dispose();
      } catch {
        // Already gone.
      }
  }
}

/**
 * `make()` (the transform of `w` that `key` names), kept when off the tape and within budget.
 * `kept` says the caller must not dispose the result: it belongs to the cache.
 */
export function cachedTransform<T extends tf.Tensor | tf.Tensor[]>(
  w: tf.Tensor,
  key: string,
  make: () => T,
): { value: T; kept: boolean } {
  if (!active()) return { value: make(), kept: false };
  const backend = tf.getBackend();
  const name = entryName(w, key);
  const hit = entries.get(name);
  if (hit) return { value: hit.value as T, kept: true };
  purge();
  const value = make();
  const floats = tensorsOf(value).reduce((sum, t) => sum + t.size, 0);
  if (used + floats > budget()) return { value, kept: false };
  tensorsOf(value).forEach((t) => tf.keep(t));
  entries.set(name, { backend, source: w.dataId, value, floats });
  used += floats;
  return { value, kept: true };
}

/**
 * Whether `cachedTransform(w, key, ...)` of `floats` floats would be kept (or is already): for
 * callers whose transformed path only pays when the transform is not redone on every call.
 */
export function wouldKeep(w: tf.Tensor, key: string, floats: number): boolean {
  if (!active()) return false;
  if (entries.has(entryName(w, key))) return true;
  purge();
  return used + floats <= budget();
}

/**
 * Frees the entries of weights that no longer exist (and of another backend) now, instead of at the
 * next miss: a model disposed after scoring (a session or teacher replaced) would otherwise keep its
 * transforms, hundreds of tensors, until the next model scores or trains.
 */
export function freeDisposedFilters(): void {
  purge();
}

/** What the cache holds now (for tests and reports). */
export function filterCacheSize(): { entries: number; floats: number; tensors: number } {
  let tensors = 0;
  for (const e of entries.values()) tensors += tensorsOf(e.value).length;
  return { entries: entries.size, floats: used, tensors };
}

/** Frees every entry (tests, and a backend switch that wants the memory back at once). */
export function clearFilterCache(): void {
  for (const e of entries.values()) tf.dispose(e.value);
  entries.clear();
  used = 0;
}
