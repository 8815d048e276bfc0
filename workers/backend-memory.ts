import type { RememberedChoice } from './backend-choice';

/**
 * Probe results per device key (workers/backend-choice.ts), in their own IndexedDB database so the
 * run store's schema never has to change for them. Every failure reads as "nothing remembered":
 * the cost is one more probe, never a failed start.
 */
const DB_NAME = 'dmgrd-backend-choice';
const STORE = 'choices';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
    req.onblocked = () => reject(new Error('IndexedDB open blocked'));
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  body: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = body(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

const isRemembered = (v: unknown): v is RememberedChoice => {
  const r = v as Partial<RememberedChoice> | undefined;
  return (r?.backend === 'webgpu' || r?.backend === 'wasm') && typeof r.probe?.at === 'number';
};

export async function recallChoice(key: string): Promise<RememberedChoice | null> {
  if (typeof indexedDB === 'undefined') return null;
  try {
    const value: unknown = await withStore('readonly', (s) => s.get(key));
    return isRemembered(value) ? value : null;
  } catch {
    return null;
  }
}

export async function rememberChoice(key: string, choice: RememberedChoice): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  try {
    await withStore('readwrite', (s) => s.put(choice, key));
  } catch {
    // Not remembered: the next load probes again.
  }
}
