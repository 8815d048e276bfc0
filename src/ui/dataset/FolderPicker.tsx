import { useState, type DragEvent } from 'react';
import type { InputFile } from '../../../workers/engine-api';
import {
  directoryPicker,
  type DirectoryHandle,
  dropEntries,
  readDirectoryHandle,
  readDropEntries,
  readInputFiles,
} from './read-folder';

interface FolderPickerProps {
  /** Visible name of what is picked ("dataset folder", "texture folder"). */
  what: string;
  disabled: boolean;
  /** `handle`: the picked directory (File System Access API), kept to reopen it after a reload. */
  onFiles(files: InputFile[], handle?: DirectoryHandle): void;
  /** Prefix of the data-testid attributes (`${testId}-input`, `${testId}-drop`, ...). */
  testId: string;
  /** Accept drops anywhere in this zone. */
  dropHint?: string;
}

/**
 * Three ways to hand over a folder: the directory picker (Chromium), drag and drop, and an
 * `<input webkitdirectory>` that every browser has (and Playwright can fill).
 */
export function FolderPicker({ what, disabled, onFiles, testId, dropHint }: FolderPickerProps) {
  const [over, setOver] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const picker = directoryPicker();
  const inputId = `${testId}-input`;

  const deliver = (files: InputFile[], handle?: DirectoryHandle): void => {
    if (files.length === 0) setError(`The ${what} holds no files.`);
    else {
      setError(null);
      onFiles(files, handle);
    }
  };

  const pick = async (): Promise<void> => {
    if (!picker) return;
    try {
      const handle = await picker({ mode: 'read' });
      deliver(await readDirectoryHandle(handle), handle);
    } catch (err) {
      // Closing the picker rejects with AbortError: not a problem worth showing.
      if (!(err instanceof DOMException && err.name === 'AbortError'))
        setError(err instanceof Error ? err.message : String(err));
    }
  };

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    const entries = dropEntries(e.dataTransfer.items);
    readDropEntries(entries).then(
      (files) => deliver(files),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  return (
    <div
      className={`drop-zone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid={`${testId}-drop`}
    >
      <div className="actions">
        {picker && (
          <button
            type="button"
            onClick={() => void pick()}
            disabled={disabled}
            data-testid={`${testId}-open`}
          >
            Open {what}…
          </button>
        )}
        <label htmlFor={inputId} className="file-label">
          {picker ? 'or choose files:' : `Choose a ${what}:`}
        </label>
        <input
          id={inputId}
          type="file"
          multiple
          disabled={disabled}
          ref={(el) => {
            // webkitdirectory is not a React prop; it must be set before the input is used.
            if (el) el.webkitdirectory = true;
          }}
          onChange={(e) => {
            deliver(readInputFiles(e.currentTarget.files));
            e.currentTarget.value = '';
          }}
          data-testid={`${testId}-input`}
        />
      </div>
      <p className="muted drop-hint">{dropHint ?? `…or drop a ${what} here.`}</p>
      {error && (
        <p className="warn" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
