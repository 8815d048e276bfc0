import { getEngine } from '../../client/engine';

type Split = 'train' | 'test';

const LIMIT = 600;
/** How many thumbnail calls may wait in the worker at once; later ones queue here. */
const CONCURRENCY = 4;

const cache = new Map<string, Promise<ImageBitmap>>();
interface Pending {
  key: string;
  run(): void;
  cancelled: boolean;
}
const queue: Pending[] = [];
let active = 0;

function pump(): void {
  while (active < CONCURRENCY && queue.length > 0) {
    // Newest first: after a fast scroll the cells now on screen are the ones that asked last.
    const next = queue.pop();
    if (next && !next.cancelled) next.run();
  }
}

/**
 * A dataset thumbnail, fetched from the worker once per (dataset generation, split, index).
 * `signal` drops the request while it still waits in the queue (its cell scrolled away).
 */
export function thumbnail(
  generation: number,
  split: Split,
  index: number,
  size: number,
  signal: AbortSignal,
): Promise<ImageBitmap> {
  const key = `${generation}:${split}:${index}:${size}`;
  const hit = cache.get(key);
  if (hit) {
    // Refresh the LRU position.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const promise = new Promise<ImageBitmap>((resolve, reject) => {
    const pending: Pending = {
      key,
      cancelled: false,
      run: () => {
        active += 1;
        getEngine()
          .thumbnail(split, index, size)
          .then(resolve, reject)
          .finally(() => {
            active -= 1;
            pump();
          });
      },
    };
    signal.addEventListener('abort', () => {
      if (queue.includes(pending)) {
        pending.cancelled = true;
        cache.delete(key);
        reject(new DOMException('Thumbnail no longer needed', 'AbortError'));
      }
    });
    queue.push(pending);
  });
  promise.catch(() => cache.delete(key));
  cache.set(key, promise);
  if (cache.size > LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  pump();
  return promise;
}
