import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from '../../src/core/kernels/wasm';

const WASM_DIR =
  resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules/@tensorflow/tfjs-backend-wasm/dist') +
  '/';
let wasmPathsSet = false;

/** Switches TF.js to `name` ('cpu' or 'wasm' in Node), loading the WASM binaries from node_modules. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    setWasmPaths(WASM_DIR);
    installWasmKernels();
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** Backends the gradient tests run on in Node. */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;
