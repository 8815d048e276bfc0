import * as tf from '@tensorflow/tfjs';
import { kernelFlops, type KernelShapes } from '../../src/core/perf/flops';
import { benchPeak } from '../../workers/speed';

/** One kernel with one set of input shapes, summed over its calls. */
interface KernelGroup {
  ms: number;
  calls: number;
  flops: number;
}

/**
 * Prints the kernels of a `tf.profile` run grouped by kernel and input shapes, ranked by the time
 * they lost against `peakGflops` (a multiply-accumulate kernel's time beyond what its FLOPs need at
 * that rate; all the time of the others): where a probe's time goes, shape by shape. Only
 * registered WASM kernels count: `tf.profile` also lists the scopes around them (customGrad's
 * 'unnamed scope', op scopes), whose time includes the kernels inside, as in workers/speed.ts.
 */
export function printKernelGroups(
  info: Awaited<ReturnType<typeof tf.profile>>,
  peakGflops: number,
  top: number,
): void {
  const groups = new Map<string, KernelGroup>();
  for (const k of info.kernels) {
    if (tf.getKernel(k.name, 'wasm') === undefined) continue;
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const g = groups.get(key) ?? { ms: 0, calls: 0, flops: 0 };
    g.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    g.calls += 1;
    g.flops += kernelFlops(k as unknown as KernelShapes);
    groups.set(key, g);
  }
  const lost = (g: KernelGroup): number => g.ms - (g.flops / peakGflops) * 1e-6;
  const all = [...groups.values()];
  const sum = (f: (g: KernelGroup) => number): string => all.reduce((s, g) => s + f(g), 0).toFixed(0);
  console.log(
    `kernel time ${sum((g) => g.ms)} ms, of which ${sum(lost)} ms lost against ${peakGflops.toFixed(1)} GFLOP/s; ` +
      `the ${top} groups that lost most (ms, lost ms, GFLOP/s, calls, kernel, input shapes):`,
  );
  for (const [key, g] of [...groups].sort((a, b) => lost(b[1]) - lost(a[1])).slice(0, top)) {
    const rate = g.flops > 0 ? (g.flops / g.ms / 1e6).toFixed(1) : '-';
    console.log(
      `${g.ms.toFixed(0).padStart(8)} ${lost(g).toFixed(0).padStart(7)} ${rate.padStart(6)} ` +
        `${String(g.calls).padStart(4)}  ${key}`,
    );
  }
}

/**
 * The backend's large-matmul peak now, as `bench:speed` measures it (best of 512²–2048²): what
 * the kernels are ranked against unless `--peak` says otherwise. Measured, not assumed: this
 * shared machine's one-thread peak moved between 28 and 44 GFLOP/s from day to day.
 */
export async function measuredPeak(): Promise<number> {
  const task = {
    id: 'peak',
    signal: new AbortController().signal,
    checkpoint: async () => {},
    progress: () => {},
  };
  const { matmul } = await benchPeak(task, 2048, 3);
  console.log(`peak: ${matmul.gflops.toFixed(1)} GFLOP/s (matmul ${matmul.n}²)`);
  return matmul.gflops;
}
