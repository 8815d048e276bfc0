/**
 * Training steps on the Node WASM backend (one thread, a random ResNet-family teacher, so no weights
 * are needed): the time of a warm step, then the kernels of a profiled one, grouped by input shapes
 * and ranked by the time they lost against a peak. One of the Node probes in
 * `docs/performance.md`:
 *   npx vite-node scripts/train-profile.ts -- --teacher wide_resnet50_2 --model rd --imageSize 256 --batchSize 8
 * Every option of src/core/config.ts is a flag; --top is the number of kernel groups printed (30),
 * --peak the GFLOP/s they are compared with (by default the large-matmul peak, measured first).
 */
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../src/core/config';
import { Rng } from '../src/core/synth/rng';
import { Trainer } from '../src/core/train/trainer';
import { parseConfigFlags } from './lib/config-flags';
import { measuredPeak, printKernelGroups } from './lib/kernel-groups';
import { randomModel, startWasm } from './lib/random-model';

async function main(): Promise<void> {
  const { config: flags, extra } = parseConfigFlags(process.argv.slice(2));
  const config = validateConfig({ teacher: 'wide_resnet50_2', gradNormEvery: 0, ...flags });
  const top = Number(extra.top ?? 30);

  await startWasm();
  const peak = extra.peak !== undefined ? Number(extra.peak) : await measuredPeak();
  const { teacher, net, banks } = await randomModel(config);
  const size = config.imageSize;
  const trainer = new Trainer(net, teacher, banks, config, new Rng(1));
  const images = tf.randomUniform([config.batchSize, size, size, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const step = async (): Promise<void> => {
    await trainer.trainStep(images);
  };
  console.log(`${config.teacher} ${config.model}, ${size} px, batch ${config.batchSize}`);
  for (const label of ['warm-up', 'timed']) {
    const t0 = performance.now();
    await step();
    console.log(`${label} step: ${(performance.now() - t0).toFixed(0)} ms`);
  }
  printKernelGroups(await tf.profile(step), peak, top);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
