import type { RunRecord } from '../session-api';

/**
 * Runs and their latest checkpoints in IndexedDB. A run record and its checkpoint are written in
 * one transaction, so a page killed mid-write leaves the previous consistent pair.
 */
const DB_NAME = 'dmgrd-playground';
const DB_VERSION = 1;
const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints';

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(CHECKPOINTS)) db.createObjectStore(CHECKPOINTS);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opening = null;
      reject(new Error(`Cannot open the run store (IndexedDB): ${req.error?.message ?? 'unknown error'}`));
    };
  });
  return opening;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = () => {
      const e = tx.error;
      reject(
        e?.name === 'QuotaExceededError'
          ? new Error(
              'The browser storage quota is full: the run could not be saved. Delete old runs in the Runs panel.',
            )
          : new Error(`Saving the run failed: ${e?.message ?? 'transaction aborted'}`),
      );
    };
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

export async function saveRun(record: RunRecord, checkpoint?: Uint8Array): Promise<void> {
  const db = await open();
  const tx = db.transaction([RUNS, CHECKPOINTS], 'readwrite');
  tx.objectStore(RUNS).put(record);
  // As a Blob: Chromium refuses single IndexedDB values over ~133 MB, but stores blobs as files.
  if (checkpoint)
    tx.objectStore(CHECKPOINTS).put(new Blob([checkpoint as Uint8Array<ArrayBuffer>]), record.id);
  await done(tx);
}

export async function listRuns(): Promise<RunRecord[]> {
  const db = await open();
  const tx = db.transaction(RUNS, 'readonly');
  const req = tx.objectStore(RUNS).getAll();
  await done(tx);
  return (req.result as RunRecord[]).sort((a, b) => b.updatedAt - a.updatedAt);
}

export async function getRun(id: string): Promise<RunRecord | undefined> {
  const db = await open();
  const tx = db.transaction(RUNS, 'readonly');
  const req = tx.objectStore(RUNS).get(id);
  await done(tx);
  return req.result as RunRecord | undefined;
}

export async function getCheckpoint(id: string): Promise<Uint8Array | undefined> {
  const db = await open();
  const tx = db.transaction(CHECKPOINTS, 'readonly');
  const req = tx.objectStore(CHECKPOINTS).get(id);
  await done(tx);
  const value = req.result as Blob | Uint8Array | undefined;
  return value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : value;
}

export async function deleteRun(id: string): Promise<void> {
  const db = await open();
  const tx = db.transaction([RUNS, CHECKPOINTS], 'readwrite');
  tx.objectStore(RUNS).delete(id);
  tx.objectStore(CHECKPOINTS).delete(id);
  await done(tx);
}
