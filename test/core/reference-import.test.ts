import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createNetwork, decode, msff, type Levels } from '../../src/core/model/dmgrd';
import { EVAL } from '../../src/core/nn/params';
import { detectTorchvisionArch, importReferenceWeights } from '../../src/core/pipeline/reference-import';
import type { NamedArray } from '../../src/core/io/safetensors';
import { get, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';
import { useBackend } from '../helpers/backends';
import { yieldToEventLoop } from '../helpers/event-loop';

/**
 * A reference checkpoint for the ResNet18 variant of DM-GRD, assembled from the goldens: the MSFF
 * golden has exactly the channel counts a ResNet18 teacher gives (2 x 64/128/256), and the OCBE +
 * student golden holds `bn.*` and `student.*` as the authors' state dicts name them.
 */
function referenceCheckpoint(): {
  weights: Map<string, NamedArray>;
  ocbe: Map<string, NamedArray>;
  msffG: Map<string, NamedArray>;
} {
  const ocbe = loadGolden('ocbe_student_resnet18.safetensors.gz');
  const msffG = loadGolden('msff_resnet18.safetensors.gz');
  const weights = new Map<string, NamedArray>();
  for (const m of [ocbe, msffG]) {
    for (const [k, v] of m) if (/^(bn|student|msff)\./.test(k)) weights.set(k, v);
  }
  return { weights, ocbe, msffG };
}

describe('importing a checkpoint of the authors’ code', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('maps msff / bn / student state dicts onto the network and reproduces the golden forwards', async () => {
    const { weights, ocbe, msffG } = referenceCheckpoint();
    const net = createNetwork('dmgrd', 'resnet18', [64, 128, 256], 0);
    importReferenceWeights(net, weights);
    await yieldToEventLoop();
    const f = (m: Map<string, NamedArray>, names: string[]) => names.map((n) => nhwc(get(m, n))) as Levels;

    const de = decode(net, f(ocbe, ['input.f0', 'input.f1', 'input.f2']), EVAL);
    ['output.de0', 'output.de1', 'output.de2'].forEach((name, i) =>
      expect(relErr(toNchwData(de[i]), get(ocbe, name).data as Float32Array)).toBeLessThan(1e-4),
    );
    await yieldToEventLoop();
    const fused = msff(net, f(msffG, ['input.f1', 'input.f2', 'input.f3']), EVAL);
    ['output.f1_out', 'output.f2_out', 'output.f3_out'].forEach((name, i) =>
      expect(relErr(toNchwData(fused[i]), get(msffG, name).data as Float32Array)).toBeLessThan(1e-4),
    );
    tf.dispose([...de, ...fused]);
    net.store.dispose();
  });

  it('names every mismatch when the checkpoint is of another backbone', () => {
    const { weights } = referenceCheckpoint();
    const net = createNetwork('dmgrd', 'mobilenet_v2', [48, 96, 192], 0);
    expect(() => importReferenceWeights(net, weights)).toThrow(
      /mobilenet_v2 teacher.*(file has|model expects|missing|unexpected)/s,
    );
    net.store.dispose();
  });

  it('rejects files that are not DM-GRD checkpoints, and tells torchvision ResNets apart', () => {
    const net = createNetwork('dmgrd', 'resnet18', [64, 128, 256], 0);
    const teacherOnly = loadGolden('backbone_resnet18.safetensors.gz');
    expect(() => importReferenceWeights(net, teacherOnly)).toThrow(/not a DM-GRD reference checkpoint/);
    net.store.dispose();
    const strip = (m: Map<string, NamedArray>) =>
      new Map(
        [...m].filter(([k]) => k.startsWith('teacher.')).map(([k, v]) => [k.slice('teacher.'.length), v]),
      );
    expect(detectTorchvisionArch(strip(teacherOnly))).toBe('resnet18');
    expect(() => detectTorchvisionArch(strip(loadGolden('backbone_resnet50.safetensors.gz')))).toThrow(
      /Keras ResNet50/,
    );
  });
});
