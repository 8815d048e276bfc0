/**
 * One inference (teacher, memory select, MSFF, decoder, anomaly map) on the Node WASM backend (one
 * thread, a random ResNet-family teacher, so no weights are needed): wall time, the WASM heap (a
 * high-water mark: the module never gives memory back) and the kernels that took the time, grouped
 * by input shapes and ranked by the time they lost against a peak. One of the Node probes
 * in `docs/performance.md`:
 *   npx vite-node scripts/infer-profile.ts -- --teacher wide_resnet50_2 --model dmgrd --imageSize 256 --memoryItems 30 --batch 1
 * Every option of src/core/config.ts is a flag; --batch is the images per call (1), --top the
 * number of kernel groups printed (20), --peak the GFLOP/s they are compared with (by default the
 * large-matmul peak, measured first).
 */
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../src/core/config';
import { disposeScores, scoreImages } from '../src/core/pipeline/score';
import { parseConfigFlags } from './lib/config-flags';
import { measuredPeak, printKernelGroups } from './lib/kernel-groups';
import { randomModel, startWasm, wasmHeapBytes as heap } from './lib/random-model';
const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const { config: flags, extra } = parseConfigFlags(process.argv.slice(2));
  const config = validateConfig({ teacher: 'wide_resnet50_2', model: 'dmgrd', ...flags });
  const batch = Number(extra.batch ?? 1);
  const top = Number(extra.top ?? 20);

  await startWasm();
  const peak = extra.peak !== undefined ? Number(extra.peak) : await measuredPeak();
  const { teacher, net, banks } = await randomModel(config);
  const size = config.imageSize;
  const images = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const infer = async (): Promise<void> => {
    const r = scoreImages({ teacher, net, banks }, images, config);
    await r.maps.data();
    disposeScores(r);
  };

  console.log(
    `${config.teacher} ${config.model}, ${size} px, batch ${batch}, ${config.memoryItems} items; ` +
      `before: tensors ${MB(tf.memory().numBytes)}, heap ${MB(heap())}`,
  );
  await infer();
  console.log(`after a warm-up call: tensors ${MB(tf.memory().numBytes)}, heap ${MB(heap())}`);
  const t0 = performance.now();
  await infer();
  const wall = performance.now() - t0;
  console.log(`timed call: ${wall.toFixed(0)} ms, ${(wall / batch).toFixed(0)} ms per image`);

  printKernelGroups(await tf.profile(infer), peak, top);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
