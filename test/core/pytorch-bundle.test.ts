import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTeacher } from '../../src/core/backbones';
import { validateConfig } from '../../src/core/config';
import {
  pytorchPlan,
  writePytorchBundle,
  type PytorchBundleInput,
} from '../../src/core/export/pytorch-bundle';
import { readPth } from '../../src/core/io/pth';
import { readSafetensors } from '../../src/core/io/safetensors';
import { concatParts } from '../../src/core/io/zip-writer';
import { createNetwork } from '../../src/core/model/dmgrd';
import { importReferenceWeights } from '../../src/core/pipeline/reference-import';
import { Session } from '../../src/core/pipeline/session';
import { loadMvtecFolder } from '../../scripts/lib/node-dataset';
import { useBackend } from '../helpers/backends';
import { firstBitDifference } from '../helpers/bits';
import { yieldToEventLoop } from '../helpers/event-loop';
import { sharedPath } from '../helpers/golden';
import { dirReader } from '../../scripts/lib/dir-reader';

describe('the PyTorch export of a session', () => {
  let session: Session;
  let input: PytorchBundleInput;

  beforeAll(async () => {
    await useBackend('wasm');
    const data = loadMvtecFolder(sharedPath('data/mvtec-256/bottle'), 32, { maxTrain: 8, testEvery: 40 });
    const teacher = await loadTeacher(
      'mobilenet_v2',
      dirReader(sharedPath('models/mobilenet_v2_0.35_keras')),
    );
    const config = validateConfig({ teacher: 'mobilenet_v2', imageSize: 32, batchSize: 2, memoryItems: 4 });
    session = await Session.create(teacher, data, config);
    await session.step();
    input = { session, category: 'bottle', trainPaths: data.train.map((t) => t.path) };
  });
  afterAll(() => {
    session.teacher.dispose();
    session.dispose();
  });

  it('writes <category>/best_model.pt, the banks with their source paths, and a README, as planned', async () => {
    const plan = pytorchPlan(input);
    expect(plan.fileName).toBe('bottle-dmgrd-mobilenet_v2-step1-pytorch.zip');
    const zip = concatParts(await writePytorchBundle(input, () => yieldToEventLoop()));
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual(plan.items.map((i) => i.path));
    expect(Object.keys(files)).toEqual([
      'bottle/best_model.pt',
      'bottle/memory_banks.safetensors',
      'README.txt',
    ]);
    // The plan's sizes are estimates made before writing: each within 2 % of the file.
    for (const item of plan.items)
      expect(
        Math.abs(files[item.path].length - item.bytes) / files[item.path].length,
        item.path,
      ).toBeLessThan(0.02);

    const net = createNetwork('dmgrd', 'mobilenet_v2', session.teacher.channels, 99);
    importReferenceWeights(net, readPth(files['bottle/best_model.pt']));
    for (const [name, v] of session.net.store.entries())
      expect(firstBitDifference(net.store.get(name), v), name).toBe(-1);
    net.store.dispose();

    const banks = files['bottle/memory_banks.safetensors'];
    const headerLength = Number(new DataView(banks.buffer, banks.byteOffset).getBigUint64(0, true));
    const meta = (
      JSON.parse(new TextDecoder().decode(banks.subarray(8, 8 + headerLength))) as {
        __metadata__: Record<string, string>;
      }
    ).__metadata__;
    expect(JSON.parse(meta.normal_sources)).toEqual(
      session.banks!.normal.sources.map((i) => input.trainPaths[i]),
    );
    expect(JSON.parse(meta.abnormal_sources)).toEqual(
      session.banks!.abnormal.sources.map((i) => input.trainPaths[i]),
    );
    // NCHW: 4 items of MobileNetV2's 48-channel first tap at 32 / 4 = 8 px.
    const level0 = readSafetensors(banks).get('memory_bank_normal.update_normal_memory_information.level0')!;
    expect(level0.shape).toEqual([4, 48, 8, 8]);
  });

  it('stops, writing nothing, when its progress callback throws (a cancelled task)', async () => {
    let calls = 0;
    await expect(
      writePytorchBundle(input, () => {
        if (++calls === 3) throw new Error('Task export was cancelled');
      }),
    ).rejects.toThrow('cancelled');
    expect(calls).toBe(3);
  });
});
