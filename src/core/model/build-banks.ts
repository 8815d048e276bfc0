import * as tf from '@tensorflow/tfjs';
import type { Teacher } from '../backbones/teacher';
import { buildMemoryBank, type MemoryBank, type MemoryBatch } from './memory-bank';

/**
 * Builds one memory bank from L images (already chosen and, for the abnormal bank, already made
 * synthetic anomalies): teacher features in small chunks so the peak memory stays near one chunk.
 * `images(i)` returns image i of the bank as [1,H,W,3] RGB in [0,1]; the bank takes ownership of nothing.
 */
export async function buildBank(
  teacher: Teacher,
  count: number,
  images: (i: number) => tf.Tensor4D,
  sources: number[],
  opts: { chunk?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<MemoryBank> {
  const chunk = opts.chunk ?? 4;
  const batches: MemoryBatch[] = [];
  try {
    for (let start = 0; start < count; start += chunk) {
      opts.signal?.throwIfAborted();
      const end = Math.min(count, start + chunk);
      const features = tf.tidy(() => {
        const xs = Array.from({ length: end - start }, (_, k) => images(start + k));
        return teacher.features(tf.concat(xs, 0) as tf.Tensor4D);
      });
      batches.push({ features, sources: sources.slice(start, end) });
      await tf.nextFrame?.();
      opts.onProgress?.(end, count);
    }
    return buildMemoryBank(batches);
  } finally {
    for (const b of batches) tf.dispose(b.features);
  }
}
