import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import wabtInit from 'wabt';

/** The import of an unshared memory, as written in the .wat sources. */
const UNSHARED = '(import "env" "memory" (memory 1))';
/** TF.js's multi-threaded WASM build's memory: shared, at most 4 GiB (65536 pages). */
const SHARED = '(import "env" "memory" (memory 1 65536 shared))';

/**
 * Compiles `*.wat` imports with wabt into modules exporting the binary twice, as base64: `unshared`
 * as written and `shared` with the memory import shared, since a module importing TF.js's memory
 * must match whether it is shared. Sources stay the text that is reviewed; no binary is committed.
 */
export function watModules(): Plugin {
  return {
    name: 'dmgrd-wat',
    async load(id) {
      if (!id.endsWith('.wat')) return null;
      const source = await readFile(id, 'utf8');
      if (!source.includes(UNSHARED)) throw new Error(`${id}: must import its memory as ${UNSHARED}`);
      const wabt = await wabtInit();
      const binary = (text: string): string => {
        const module = wabt.parseWat(id, text, { simd: true, threads: true });
        try {
          return Buffer.from(module.toBinary({}).buffer).toString('base64');
        } finally {
          module.destroy();
        }
      };
      const [unshared, shared] = [binary(source), binary(source.replace(UNSHARED, SHARED))];
      return `export const unshared = ${JSON.stringify(unshared)};\nexport const shared = ${JSON.stringify(shared)};\n`;
    },
  };
}
