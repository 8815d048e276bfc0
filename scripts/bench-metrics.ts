// Times evaluate() on a synthetic MVTec-sized test set: 83 images at 256x256 (5.4 M pixels), about a
// third of them defective, smooth float32 maps with few ties. Prints the figures; asserts nothing.
//
// Usage: npx vite-node scripts/bench-metrics.ts [runs]

import { evaluate, findRegions, rocAuc, sortDescending } from '../src/core/metrics';

const N = 83;
const H = 256;
const W = 256;
const runs = Number(process.argv[2] ?? 5);

/** Deterministic uniform [0, 1) (mulberry32), so every run measures the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeData(): {
  maps: Float32Array;
  masks: Float32Array;
  imageScores: Float64Array;
  labels: Uint8Array;
} {
  const rand = rng(1234);
  const hw = H * W;
  const maps = new Float32Array(N * hw);
  const masks = new Float32Array(N * hw);
  const labels = new Uint8Array(N);
  const imageScores = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const defective = n % 3 === 0;
    labels[n] = defective ? 1 : 0;
    // A few elliptic defects with a soft 0.5 ring, and a map that is higher inside them.
    const blobs = defective ? 1 + Math.floor(rand() * 3) : 0;
    const cs = Array.from({ length: blobs }, () => [
      rand() * H,
      rand() * W,
      5 + rand() * 30,
      5 + rand() * 30,
    ]);
    const fx = rand() * 0.1;
    const fy = rand() * 0.1;
    let top = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let m = 0;
        let bump = 0;
        for (const [cy, cx, ry, rx] of cs) {
          const d = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2;
          if (d <= 1) m = 1;
          else if (d <= 1.2 && m === 0) m = 0.5;
          bump = Math.max(bump, Math.exp(-d));
        }
        const i = n * hw + y * W + x;
        masks[i] = m;
        maps[i] = 0.2 + 0.05 * Math.sin(x * fx + y * fy) + 0.5 * bump + 0.15 * rand();
        top = Math.max(top, maps[i]);
      }
    }
    imageScores[n] = top;
  }
  return { maps, masks, imageScores, labels };
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

const data = makeData();
const shape = [N, H, W] as const;
console.log(
  `evaluate() on ${N}x${H}x${W} = ${((N * H * W) / 1e6).toFixed(2)} M pixels, node ${process.version}`,
);

const times: number[] = [];
const cpu: number[] = [];
let last: ReturnType<typeof evaluate> | undefined;
for (let r = 0; r < runs; r++) {
  const c0 = process.cpuUsage();
  const [res, ms] = time(() => evaluate({ ...data, shape }));
  const c = process.cpuUsage(c0);
  times.push(ms);
  cpu.push((c.user + c.system) / 1000);
  last = res;
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(
  `evaluate: wall median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, ` +
    `max ${Math.max(...times).toFixed(0)}), process CPU median ${median(cpu).toFixed(0)} ms, ` +
    `over ${runs} runs (the first includes JIT warm-up); CPU time is the figure to trust on a busy machine`,
);
if (last) {
  console.log(
    `  imageAUROC ${last.imageAuroc.toFixed(4)}, pixelAUROC ${last.pixelAuroc.toFixed(4)}, ` +
      `AUPRO full ${last.aupro.fullRange.toFixed(4)} / 0.3 ${last.aupro.mvtec03.toFixed(4)}, ` +
      `F1 pixel ${last.f1Pixel.f1.toFixed(4)}, regions ${last.regions.count}, ` +
      `curve points roc ${last.curves.rocPixel.fpr.length} pro ${last.curves.pro.fpr.length}`,
  );
}

// Where the time goes (one run each, after the warm-up above).
const [, tSort] = time(() => sortDescending(data.maps));
const [, tRegions] = time(() => findRegions(data.masks, shape));
const [, tAuroc] = time(() => rocAuc(data.masks, data.maps));
console.log(
  `  parts: radix sort ${tSort.toFixed(0)} ms, 8-connected regions ${tRegions.toFixed(0)} ms, ` +
    `stand-alone pixel rocAuc (own sort) ${tAuroc.toFixed(0)} ms`,
);
