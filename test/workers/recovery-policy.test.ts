import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/config';
import {
  DeviceLostError,
  MIN_BATCH,
  classifyFailure,
  estimateTrainingBytes,
  onOutOfMemory,
  reducedBatch,
  wasmPreflight,
  whatFits,
} from '../../workers/recovery-policy';

/** An error shaped like the ones the browser and emscripten raise (name + message). */
const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('classifyFailure', () => {
  it('recognises out-of-memory errors of WebGPU, WASM and JS', () => {
    // pushErrorScope('out-of-memory') resolves to a GPUOutOfMemoryError (not an Error subclass).
    const gpuOom = new (class GPUOutOfMemoryError {
      message = 'Not enough memory left.';
    })();
    expect(classifyFailure(gpuOom)).toBe('out-of-memory');
    expect(classifyFailure(named('RuntimeError', 'Aborted(). Build with -sASSERTIONS for more info.'))).toBe(
      'out-of-memory',
    );
    expect(classifyFailure(new Error('Cannot enlarge memory arrays to size 4294967296 bytes (OOM).'))).toBe(
      'out-of-memory',
    );
    expect(classifyFailure(new RangeError('Array buffer allocation failed'))).toBe('out-of-memory');
    expect(classifyFailure(new RangeError('Invalid typed array length: 4294967296'))).toBe('out-of-memory');
    expect(classifyFailure(named('OperationError', 'Failed to allocate the buffer'))).toBe('out-of-memory');
  });

  it('recognises a lost device by error and by the lost flag', () => {
    expect(classifyFailure(new DeviceLostError('destroyed'))).toBe('device-lost');
    expect(classifyFailure(named('DeviceLostError', 'The GPU device was lost (unknown).'))).toBe(
      'device-lost',
    );
    expect(
      classifyFailure(named('OperationError', "Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost")),
    ).toBe('device-lost');
    // Once the device is known lost, any failure (here a plain TypeError) is that loss.
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'x')"), true)).toBe(
      'device-lost',
    );
  });

  it('leaves model bugs and cancellations alone', () => {
    expect(classifyFailure(new Error('Shapes [2,8,8,64] and [2,8,8,32] must match'))).toBe('other');
    expect(classifyFailure(named('CancelledError', 'Task t was cancelled'))).toBe('other');
    expect(classifyFailure(new RangeError('Maximum call stack size exceeded'))).toBe('other');
    expect(classifyFailure('boom')).toBe('other');
    expect(classifyFailure(undefined)).toBe('other');
  });
});

describe('batch reduction', () => {
  it('halves down to the schema minimum, then gives up', () => {
    expect(MIN_BATCH).toBe(2);
    const seen: number[] = [];
    for (let b: number | null = 32; b !== null; b = reducedBatch(b)) seen.push(b);
    expect(seen).toEqual([32, 16, 8, 4, 2]);
    expect(reducedBatch(3)).toBe(2);
    expect(reducedBatch(5)).toBe(2);
    expect(reducedBatch(2)).toBeNull();
  });

  it('tells the user what happens at each step', () => {
    const at8 = onOutOfMemory(validateConfig({ batchSize: 8 }));
    expect(at8).toEqual({
      action: 'retry',
      batchSize: 4,
      message: 'Out of memory at batch 8; continuing at batch 4.',
    });
    const at2 = onOutOfMemory(
      validateConfig({ batchSize: 2, imageSize: 256, teacher: 'resnet50', model: 'dmgrd' }),
    );
    expect(at2.action).toBe('stop');
    expect(at2.message).toContain('Out of memory even at batch 2');
    expect(at2.message).toContain('128 px instead of 256 px');
    expect(at2.message).toContain('lighter teacher');
    expect(at2.message).toContain('plain RD');
  });

  it('suggests only changes that are still possible', () => {
    const smallest = validateConfig({ imageSize: 32, teacher: 'mobilenet_v2', model: 'rd', batchSize: 2 });
    expect(whatFits(smallest)).toEqual(['a machine with more memory']);
  });
});

describe('wasmPreflight', () => {
  it('lets the measured WASM runs through and warns for DM-GRD with ResNet50-class teachers at batch 8', () => {
    const config = (
      teacher: 'resnet50' | 'wide_resnet50_2' | 'mobilenet_v2',
      model: 'dmgrd' | 'rd',
      batchSize: number,
    ) => validateConfig({ teacher, model, imageSize: 256, batchSize });
    // Measured to train at 256 px (docs/performance.md).
    expect(wasmPreflight(195.8e6, config('wide_resnet50_2', 'dmgrd', 2))).toBeNull();
    expect(wasmPreflight(158.7e6, config('resnet50', 'dmgrd', 2))).toBeNull();
    expect(wasmPreflight(92.2e6, config('wide_resnet50_2', 'rd', 8))).toBeNull();
    expect(wasmPreflight(12.5e6, config('mobilenet_v2', 'dmgrd', 8))).toBeNull();
    // Measured out of memory.
    expect(wasmPreflight(158.7e6, config('resnet50', 'dmgrd', 8))).toContain('What fits:');
    const wrn50b8 = wasmPreflight(195.8e6, config('wide_resnet50_2', 'dmgrd', 8));
    expect(wrn50b8).toContain('will not fit the 4.0 GiB the WASM backend can address');
    expect(wrn50b8).toContain('What fits:');
  });

  it('states the estimate against the limit, what takes the rest, that Start stays open, and what to change', () => {
    const paper = validateConfig({
      teacher: 'wide_resnet50_2',
      model: 'dmgrd',
      imageSize: 256,
      batchSize: 8,
    });
    const need = estimateTrainingBytes(195.8e6, paper);
    const gib = (need / 1024 ** 3).toFixed(1);
    expect(wasmPreflight(195.8e6, paper)).toBe(
      'This configuration probably will not fit the 4.0 GiB the WASM backend can address. ' +
        `Its weights and activations are estimated at ${gib} GiB; the teacher, the memory banks, ` +
        'transient buffers and heap fragmentation take the rest, and measured runs ran out of memory once ' +
        'weights and activations passed 1.6 GiB (40% of the heap). This is an estimate, so training can ' +
        'still be started. What fits: a smaller batch (4 instead of 8); or a smaller image size (128 px ' +
        'instead of 256 px); or a lighter teacher (mobilenet_v2 or efficientnet_b0); or plain RD (no memory ' +
        'banks or MSFF); or fewer memory items (10 instead of 30); or the WebGPU backend, where the browser has one.',
    );
    expect(Number(gib)).toBeGreaterThan(1.6);
  });
});
