import type { DatasetFingerprint } from '../core/data/fingerprint';
import type { DirectoryHandle } from '../ui/dataset/read-folder';
import type { KeyValueStorage } from './config-draft';

/**
 * What the page remembers of its datasets across reloads. The images themselves are not kept (a
 * full-resolution folder would fill the storage quota): the last dataset's fingerprint, so the demo
 * can be regenerated and a folder named and checked when picked again; and, where the File System
 * Access API exists, the picked folders' handles, from which a folder can be read again after one
 * click that grants the permission (browsers do not keep folder access across reloads without it).
 */

export const LAST_DATASET_KEY = 'dmgrd-playground.last-dataset.v1';

/** The dataset loaded last, or null (none yet, or unreadable storage). */
export function lastDataset(storage: KeyValueStorage | null): DatasetFingerprint | null {
  try {
    const text = storage?.getItem(LAST_DATASET_KEY);
    if (!text) return null;
    const fp = JSON.parse(text) as Partial<DatasetFingerprint> | null;
    // A value written by another build without the fields this one reads is forgotten.
    if (!fp || (fp.source !== 'folder' && fp.source !== 'demo') || typeof fp.hash !== 'string') return null;
    if (typeof fp.category !== 'string' || typeof fp.storedSize !== 'number' || !fp.counts) return null;
    return fp as DatasetFingerprint;
  } catch {
    return null;
  }
}

export function rememberLastDataset(storage: KeyValueStorage | null, fp: DatasetFingerprint): void {
  try {
    storage?.setItem(LAST_DATASET_KEY, JSON.stringify(fp));
  } catch {
    // Full or refused storage: after a reload the dataset is simply not named.
  }
}

const DB_NAME = 'dmgrd-playground-folders';
const HANDLES = 'handles';

/** Null where IndexedDB is missing or refuses (private modes): handles are a convenience only. */
function openHandles(): Promise<IDBDatabase | null> {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  return new Promise((resolve) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(HANDLES);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
}

async function withHandles<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>) {
  const db = await openHandles();
  if (!db) return undefined;
  try {
    return await new Promise<T | undefined>((resolve) => {
      const req = work(db.transaction(HANDLES, mode).objectStore(HANDLES));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(undefined);
    });
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/** Keeps the handle of the folder whose images `hash` names (a handle is a few bytes). */
export async function keepFolderHandle(hash: string, handle: DirectoryHandle): Promise<void> {
  await withHandles('readwrite', (store) => store.put(handle, hash));
}

/** The kept handle of the folder with fingerprint hash `hash`, if any. */
export async function folderHandle(hash: string): Promise<DirectoryHandle | null> {
  return ((await withHandles('readonly', (store) => store.get(hash))) as DirectoryHandle | undefined) ?? null;
}

/**
 * Read access to a kept folder: granted already (the user chose "allow on every visit"), else asked
 * for, which needs a click (`ask`). False when refused or not asked.
 */
export async function folderReadable(handle: DirectoryHandle, ask: boolean): Promise<boolean> {
  try {
    if ((await handle.queryPermission?.({ mode: 'read' })) === 'granted') return true;
    return ask && (await handle.requestPermission?.({ mode: 'read' })) === 'granted';
  } catch {
    return false;
  }
}
