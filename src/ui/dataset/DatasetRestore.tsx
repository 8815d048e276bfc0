import { useEffect, useState } from 'react';
import { describeDataset } from '../../core/data/fingerprint';
import { folderHandle, folderReadable } from '../../state/dataset-memory';
import { useDatasetStore } from '../../state/dataset-store';
import { readDirectoryHandle, type DirectoryHandle } from './read-folder';

/**
 * After a reload, names the folder that was loaded and brings it back: by itself where the browser
 * still grants access to its kept handle, with one click where it asks again, and otherwise by
 * saying which folder to pick (browsers keep no folder access across reloads without the File
 * System Access API). The folder is checked to hold the same images before it replaces anything.
 */
export function DatasetRestore() {
  const restorable = useDatasetStore((s) => s.restorable);
  const loading = useDatasetStore((s) => s.loading);
  const load = useDatasetStore((s) => s.load);
  const dismiss = useDatasetStore((s) => s.dismissRestore);
  const [handle, setHandle] = useState<DirectoryHandle | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reopen = async (h: DirectoryHandle, ask: boolean): Promise<void> => {
    if (!restorable || !(await folderReadable(h, ask))) {
      if (ask) setError(`Reading ${h.name} was not allowed: pick the folder above instead.`);
      return;
    }
    try {
      setError(await load(await readDirectoryHandle(h), { expect: restorable, handle: h }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  useEffect(() => {
    if (!restorable) return;
    let live = true;
    void folderHandle(restorable.hash).then(async (h) => {
      if (!live || !h) return;
      setHandle(h);
      // Access granted for every visit: no click needed.
      if (await folderReadable(h, false)) await reopen(h, false);
    });
    return () => {
      live = false;
    };
    // Once per remembered folder.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [restorable]);

  if (!restorable) return null;
  return (
    <div
      className="banner"
      role="region"
      aria-label="Dataset before the reload"
      data-testid="dataset-restore"
    >
      <p>
        Before the page was reloaded, <strong>{describeDataset(restorable)}</strong> was loaded.{' '}
        {handle
          ? 'Reopen it (the browser asks to allow reading it again; it is checked to hold the same images), or pick it again below.'
          : `Browsers do not keep access to a folder across reloads: pick ${restorable.category} again below.`}
      </p>
      <p className="actions">
        {handle && (
          <button
            type="button"
            onClick={() => void reopen(handle, true)}
            disabled={loading}
            data-testid="dataset-restore-reopen"
          >
            Reopen {handle.name}
          </button>
        )}
        <button type="button" onClick={dismiss} data-testid="dataset-restore-dismiss">
          Dismiss
        </button>
      </p>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
