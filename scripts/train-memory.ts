/**
 * Memory of training steps on the Node WASM backend (one thread, a random ResNet-family teacher, so
 * no weights are needed): the WASM heap, whose size is a high-water mark (the module never gives
 * memory back), and the peak of distinct tensor buffers a step allocates, at the end of each
 * forward and backward pass. One of the Node probes in `docs/performance.md`:
 *   npx vite-node scripts/train-memory.ts -- --teacher wide_resnet50_2 --model dmgrd --imageSize 256 --batchSize 2 --memoryItems 30
 * Every option of src/core/config.ts is a flag (e.g. --recompute off); --steps is the number of steps (2).
 */
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../src/core/config';
import { Rng } from '../src/core/synth/rng';
import { Trainer } from '../src/core/train/trainer';
import { parseConfigFlags } from './lib/config-flags';
import { randomModel, startWasm, wasmHeapBytes as heap } from './lib/random-model';

/** TF.js 4.22 engine state this probe watches (present at run time). */
interface EngineState {
  tensorInfo: WeakMap<object, { bytes: number }>;
}

/** Distinct tensor buffers alive now and at most, from the engine's registrations. */
class BufferWatch {
  live = 0;
  peak = 0;
  private readonly sizes = new Map<object, number>();

  constructor(info: EngineState['tensorInfo']) {
    const set = info.set.bind(info);
    const remove = info.delete.bind(info);
    info.set = (dataId, value) => {
      this.sizes.set(dataId, value.bytes);
      this.live += value.bytes;
      this.peak = Math.max(this.peak, this.live);
      return set(dataId, value);
    };
    info.delete = (dataId) => {
      this.live -= this.sizes.get(dataId) ?? 0;
      this.sizes.delete(dataId);
      return remove(dataId);
    };
  }
}

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

async function main(): Promise<void> {
  const { config: flags } = parseConfigFlags(process.argv.slice(2));
  const config = validateConfig({ teacher: 'wide_resnet50_2', gradNormEvery: 0, steps: 2, ...flags });

  await startWasm();
  const { teacher, net, banks } = await randomModel(config);
  const size = config.imageSize;
  const trainer = new Trainer(net, teacher, banks, config, new Rng(1));
  console.log(
    `${config.teacher} ${config.model}, ${size} px, batch ${config.batchSize}, ${config.memoryItems} items, ` +
      `${(net.store.count() / 1e6).toFixed(1)} M parameters, recompute ${trainer.recompute}; ` +
      `before the first step: tensors ${MB(tf.memory().numBytes)}, heap ${MB(heap())}`,
  );

  const watch = new BufferWatch((tf.engine().state as unknown as EngineState).tensorInfo);
  const engine = tf.engine() as unknown as { tidy: (...args: unknown[]) => unknown };
  const tidy = engine.tidy.bind(engine);
  let phase = '';
  let base = 0;
  let depth = 0;
  engine.tidy = (...args: unknown[]) => {
    const pass = args[0] === 'forward' || args[0] === 'backward' ? args[0] : null;
    if (pass) depth += 1;
    try {
      return tidy(...args);
    } finally {
      // A pass nested in another (a recomputed block) counts towards the outer one.
      if (pass && --depth === 0) phase = `${phase} ${pass[0]}:${MB(watch.peak - base)}`;
    }
  };
  const images = tf.randomUniform([config.batchSize, size, size, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  for (let i = 0; i < config.steps; i++) {
    base = watch.live;
    watch.peak = base;
    phase = '';
    const t0 = performance.now();
    await trainer.trainStep(images);
    console.log(
      `step ${i + 1}: ${((performance.now() - t0) / 1000).toFixed(1)} s, peak of new buffers ` +
        `${MB(watch.peak - base)}, heap ${MB(heap())}; running peaks (f forward, b backward):${phase}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
