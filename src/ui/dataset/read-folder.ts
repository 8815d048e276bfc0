import type { InputFile } from '../../../workers/engine-api';

// The File System Access API is not in TypeScript's DOM lib (nor in every browser): the minimal
// shape used here is declared locally and the picker is looked up at run time.
export interface DirectoryHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<DirectoryHandle | FileHandle>;
  /** Chromium: whether reading is allowed without asking (after a reload it usually asks again). */
  queryPermission?(opts: { mode: 'read' }): Promise<PermissionState>;
  /** Chromium: asks the user; needs a user gesture. */
  requestPermission?(opts: { mode: 'read' }): Promise<PermissionState>;
}
interface FileHandle {
  kind: 'file';
  name: string;
  getFile(): Promise<File>;
}
type DirectoryPicker = (opts?: { mode?: 'read' }) => Promise<DirectoryHandle>;

export function directoryPicker(): DirectoryPicker | null {
  const picker = (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker.bind(window) : null;
}

/** Every file under a picked directory, with paths starting at the directory's own name. */
export async function readDirectoryHandle(root: DirectoryHandle): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const walk = async (dir: DirectoryHandle, prefix: string): Promise<void> => {
    for await (const entry of dir.values()) {
      const path = `${prefix}/${entry.name}`;
      if (entry.kind === 'directory') await walk(entry, path);
      else out.push({ path, file: await entry.getFile() });
    }
  };
  await walk(root, root.name);
  return out;
}

/** Files of an `<input webkitdirectory>`: webkitRelativePath already starts at the folder's name. */
export function readInputFiles(list: FileList | null): InputFile[] {
  return Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

const readEntries = (reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> =>
  new Promise((resolve, reject) => reader.readEntries(resolve, reject));

const entryFile = (entry: FileSystemFileEntry): Promise<File> =>
  new Promise((resolve, reject) => entry.file(resolve, reject));

/**
 * Files of a drag-and-drop (folders walked recursively). The entries must be taken synchronously
 * in the drop handler (the DataTransfer is emptied afterwards), hence two steps.
 */
export function dropEntries(items: DataTransferItemList): FileSystemEntry[] {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(items)) {
    const entry = item.kind === 'file' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
  }
  return entries;
}

export async function readDropEntries(entries: FileSystemEntry[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      // fullPath is "/<dropped folder>/..." : drop the leading slash.
      out.push({
        path: entry.fullPath.replace(/^\//, ''),
        file: await entryFile(entry as FileSystemFileEntry),
      });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 entries per call; repeat until it returns none.
      for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader))
        for (const child of batch) await walk(child);
    }
  };
  for (const entry of entries) await walk(entry);
  return out;
}
