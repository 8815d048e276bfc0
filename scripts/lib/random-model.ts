import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { RESNET_SPECS, ResNetTeacher, type ResNetArch } from '../../src/core/backbones/resnet';
import { trainedModel, type TrainConfig } from '../../src/core/config';
import { installWasmKernels } from '../../src/core/kernels/wasm';
import { buildBank } from '../../src/core/model/build-banks';
import { createNetwork, type Banks, type Network } from '../../src/core/model/dmgrd';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts the Node WASM backend (one thread) with the project's kernel replacements. */
export async function startWasm(): Promise<void> {
  setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  installWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}

/** The WASM heap's size in bytes: a high-water mark, as the module never gives memory back. */
export function wasmHeapBytes(): number {
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
}

/**
 * A model of `config` with a randomly initialised ResNet-family teacher (no weights needed) and,
 * for DM-GRD, memory banks of `config.memoryItems` random images: for probes of speed and memory.
 */
export async function randomModel(
  config: TrainConfig,
): Promise<{ teacher: ResNetTeacher; net: Network; banks: Banks | null }> {
  if (!(config.teacher in RESNET_SPECS))
    throw new Error(`--teacher: one of ${Object.keys(RESNET_SPECS).join(', ')}`);
  const teacher = ResNetTeacher.random(config.teacher as ResNetArch, 7);
  const net = createNetwork(trainedModel(config), config.teacher, teacher.channels, 11);
  const size = config.imageSize;
  const pick = (i: number) => tf.randomUniform([1, size, size, 3], 0, 1, 'float32', i) as tf.Tensor4D;
  const sources = [...Array(config.memoryItems).keys()];
  const banks =
    config.model === 'dmgrd'
      ? {
          normal: await buildBank(teacher, config.memoryItems, pick, sources),
          abnormal: await buildBank(teacher, config.memoryItems, pick, sources),
        }
      : null;
  return { teacher, net, banks };
}
