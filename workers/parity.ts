import { readSafetensors } from '../src/core/io/safetensors';
import { runParityChecks } from '../src/core/parity';
import { runKernelChecks, timeKernels } from '../src/core/kernels/checks';
import type { Fixture } from '../src/core/parity/compare';
import type { ParityCommands, ParityFixtureFile } from './parity-api';

/** gzip magic bytes (RFC 1952). */
const isGzip = (b: Uint8Array): boolean => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function parse(file: ParityFixtureFile): Promise<Fixture> {
  return readSafetensors(isGzip(file.bytes) ? await gunzip(file.bytes) : file.bytes);
}

/** Spread into the worker's engine object. */
export const parityCommands: ParityCommands = {
  async runParity(files) {
    const fixtures = new Map<string, Fixture>();
    for (const f of files) fixtures.set(f.name, await parse(f));
    return runParityChecks(fixtures);
  },
  runKernelChecks,
  timeKernels,
};
