import type { RunRecord } from '../session-api';

/**
 * Runs and their latest checkpoints in IndexedDB. A run record and its checkpoint are written in
 * one transaction, so a page killed mid-write leaves the previous consistent pair. The store, not
 * the caller, decides `hasCheckpoint` / `checkpointStep`: a record saved without a checkpoint keeps
 * the values of the checkpoint already stored, so a record never claims a checkpoint it lacks.
 *
 * Checkpoints are stored as ArrayBuffer parts (`<id>#<i>`, at most PART_BYTES each: Chromium
 * refuses single values over ~133 MB), described by a `{ parts, bytes }` entry under `<id>`. Not as
 * a Blob: in Chromium a stored Blob could become unreadable (NotReadableError) after the renderer
 * that wrote it crashed, even when its transaction had committed (e2e/data-safety.spec.ts).
 */
const DB_NAME = 'dmgrd-playground';
const DB_VERSION = 1;
const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints';
const PART_BYTES = 32 * 1024 * 1024;

/** What `<id>` holds in CHECKPOINTS (older builds stored the whole checkpoint there as a Blob). */
interface CheckpointIndex {
  parts: number;
  bytes: number;
}

const partKey = (id: string, i: number): string => `${id}#${i}`;
/** Every part key of `id` (`#` sorts before the digits, `$` right after `#`). */
const partRange = (id: string): IDBKeyRange => IDBKeyRange.bound(`${id}#`, `${id}$`, false, true);

export const QUOTA_MESSAGE =
  'The browser storage quota is full: the run could not be saved. Delete old runs in the Runs panel.';
export const UPGRADED_MESSAGE =
  'A newer version of the app was opened in another tab and upgraded the run store: reload this page to keep saving runs.';
export const BLOCKED_MESSAGE =
  'Another tab with an older version of the app keeps the run store open: close or reload that tab.';

let opening: Promise<IDBDatabase> | null = null;
/** Set once another tab upgraded the database; every later call fails with it until a reload. */
let closedBecause: string | null = null;

function open(): Promise<IDBDatabase> {
  if (closedBecause) return Promise.reject(new Error(closedBecause));
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    let settled = false;
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(CHECKPOINTS)) db.createObjectStore(CHECKPOINTS);
    };
    req.onsuccess = () => {
      const db = req.result;
      if (settled) {
        // Given up on after `blocked`: a later call opens afresh.
        db.close();
        return;
      }
      settled = true;
      // A newer build in another tab wants to upgrade: closing lets it proceed instead of hanging
      // there; this tab's code would not understand the new schema anyway.
      db.onversionchange = () => {
        db.close();
        closedBecause = UPGRADED_MESSAGE;
        opening = null;
      };
      // The browser may close the connection itself (storage cleared, disk error).
      db.onclose = () => {
        opening = null;
      };
      resolve(db);
    };
    req.onblocked = () => {
      if (settled) return;
      settled = true;
      opening = null;
      reject(new Error(BLOCKED_MESSAGE));
    };
    req.onerror = () => {
      opening = null;
      if (settled) return;
      settled = true;
      reject(new Error(`Cannot open the run store (IndexedDB): ${req.error?.message ?? 'unknown error'}`));
    };
  });
  return opening;
}

function isQuota(e: DOMException | null): boolean {
  // Chromium reports a full quota while writing a Blob as an UnknownError mentioning the quota.
  return e?.name === 'QuotaExceededError' || /quota/i.test(e?.message ?? '');
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    let failed = false;
    const fail = (ev: Event) => {
      if (failed) return;
      failed = true;
      const target = ev.target as IDBRequest | IDBTransaction | null;
      const e = tx.error ?? (target && 'error' in target ? target.error : null);
      reject(
        isQuota(e)
          ? new Error(QUOTA_MESSAGE)
          : new Error(`Saving the run failed: ${e?.message ?? 'transaction aborted'}`),
      );
    };
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

/** Runs `work` in a transaction; a transaction refused at creation (closed db) rejects like a failed one. */
async function transact<T>(
  stores: string[],
  mode: IDBTransactionMode,
  work: (tx: IDBTransaction) => T,
): Promise<T> {
  const db = await open();
  let tx: IDBTransaction;
  try {
    tx = db.transaction(stores, mode);
  } catch (e) {
    opening = null;
    throw new Error(closedBecause ?? `The run store is closed: ${(e as Error).message}`);
  }
  const result = work(tx);
  await done(tx);
  return result;
}

/**
 * Saves `record`, with `checkpoint` (the encoded session at `record.step`) when given, atomically.
 * Resolves to the record as stored (with `hasCheckpoint` / `checkpointStep` set by the store).
 */
export async function saveRun(record: RunRecord, checkpoint?: Uint8Array): Promise<RunRecord> {
  const stored: RunRecord = { ...record };
  await transact([RUNS, CHECKPOINTS], 'readwrite', (tx) => {
    const runs = tx.objectStore(RUNS);
    if (checkpoint) {
      stored.hasCheckpoint = true;
      stored.checkpointStep = record.step;
      runs.put(stored);
      const store = tx.objectStore(CHECKPOINTS);
      store.delete(partRange(record.id));
      const parts = Math.max(1, Math.ceil(checkpoint.byteLength / PART_BYTES));
      for (let i = 0; i < parts; i++)
        store.put(checkpoint.slice(i * PART_BYTES, (i + 1) * PART_BYTES).buffer, partKey(record.id, i));
      const index: CheckpointIndex = { parts, bytes: checkpoint.byteLength };
      store.put(index, record.id);
      return;
    }
    // Read and write in the same transaction, so a concurrent checkpoint save cannot slip between.
    const prev = runs.get(record.id);
    prev.onsuccess = () => {
      const old = prev.result as RunRecord | undefined;
      stored.hasCheckpoint = old?.hasCheckpoint ?? false;
      if (old?.checkpointStep !== undefined) stored.checkpointStep = old.checkpointStep;
      else delete stored.checkpointStep;
      runs.put(stored);
    };
  });
  return stored;
}

/** A record as this build reads it: older builds saved a run whose training threw as `interrupted`. */
function fromStored(value: unknown): RunRecord | undefined {
  const record = value as (Omit<RunRecord, 'status'> & { status: string }) | undefined;
  if (!record) return undefined;
  return record.status === 'interrupted' ? { ...record, status: 'failed' } : (record as RunRecord);
}

export async function listRuns(): Promise<RunRecord[]> {
  const req = await transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).getAll());
  return (req.result as unknown[]).map((r) => fromStored(r)!).sort((a, b) => b.updatedAt - a.updatedAt);
}

export async function getRun(id: string): Promise<RunRecord | undefined> {
  const req = await transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).get(id));
  return fromStored(req.result);
}

/** The run record and its checkpoint, read in one transaction (so they belong together). */
export async function getRunWithCheckpoint(
  id: string,
): Promise<{ record: RunRecord | undefined; checkpoint: Uint8Array | undefined }> {
  const [runReq, cpReq, partsReq, keysReq] = await transact([RUNS, CHECKPOINTS], 'readonly', (tx) => [
    tx.objectStore(RUNS).get(id),
    tx.objectStore(CHECKPOINTS).get(id),
    tx.objectStore(CHECKPOINTS).getAll(partRange(id)),
    tx.objectStore(CHECKPOINTS).getAllKeys(partRange(id)),
  ]);
  const record = fromStored(runReq.result);
  const value = cpReq.result as Blob | Uint8Array | CheckpointIndex | undefined;
  if (value === undefined || value instanceof Uint8Array) return { record, checkpoint: value };
  if (value instanceof Blob) return { record, checkpoint: new Uint8Array(await value.arrayBuffer()) };
  // Keys sort as strings (`#10` before `#2`): order the parts by their index.
  const parts = (partsReq.result as ArrayBuffer[])
    .map((buf, i) => ({ buf, n: Number(String(keysReq.result[i]).slice(id.length + 1)) }))
    .sort((a, b) => a.n - b.n);
  const checkpoint = new Uint8Array(value.bytes);
  let at = 0;
  for (const p of parts) {
    checkpoint.set(new Uint8Array(p.buf), at);
    at += p.buf.byteLength;
  }
  if (parts.length !== value.parts || at !== value.bytes)
    throw new Error(`The stored checkpoint of ${id} is incomplete (${at} of ${value.bytes} bytes).`);
  return { record, checkpoint };
}

export async function getCheckpoint(id: string): Promise<Uint8Array | undefined> {
  return (await getRunWithCheckpoint(id)).checkpoint;
}

export async function deleteRun(id: string): Promise<void> {
  await transact([RUNS, CHECKPOINTS], 'readwrite', (tx) => {
    tx.objectStore(RUNS).delete(id);
    tx.objectStore(CHECKPOINTS).delete(id);
    tx.objectStore(CHECKPOINTS).delete(partRange(id));
  });
}
