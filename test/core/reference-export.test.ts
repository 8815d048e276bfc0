import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { TeacherName } from '../../src/core/config';
import { readPth } from '../../src/core/io/pth';
import { readSafetensors } from '../../src/core/io/safetensors';
import { concatParts } from '../../src/core/io/zip-writer';
import { createNetwork, type Network } from '../../src/core/model/dmgrd';
import { buildMemoryBank, disposeMemoryBank } from '../../src/core/model/memory-bank';
import { createMsff, msffChannelsForTeacher } from '../../src/core/model/msff';
import { createOcbe } from '../../src/core/model/ocbe';
import { RD_CONFIGS } from '../../src/core/model/rd-config';
import { createStudent } from '../../src/core/model/student';
import { ParamStore, Scope } from '../../src/core/nn/params';
import {
  encodeMemoryBanks,
  encodeReferenceCheckpoint,
  referenceStateDicts,
} from '../../src/core/pipeline/reference-export';
import { importReferenceWeights } from '../../src/core/pipeline/reference-import';
import { useBackend } from '../helpers/backends';
import { firstBitDifference } from '../helpers/bits';
import { yieldToEventLoop } from '../helpers/event-loop';

/** Tap widths of each teacher (backbones/*.ts); the network's shapes follow from them. */
const CHANNELS: Record<TeacherName, [number, number, number]> = {
  resnet18: [64, 128, 256],
  resnet34: [64, 128, 256],
  resnet50: [256, 512, 1024],
  wide_resnet50_2: [256, 512, 1024],
  mobilenet_v2: [48, 96, 192],
  efficientnet_b0: [24, 40, 112],
};

/** BatchNorm statistics start at 0 / 1: make them distinct values so the round trip checks them too. */
function perturbBuffers(net: Network, seed: number): void {
  for (const [name, v] of net.store.buffers) {
    const r = tf.randomUniform(v.shape, 0.5, 1.5, 'float32', seed + name.length);
    v.assign(r);
    r.dispose();
  }
}

/**
 * The DM-GRD network of a Bottleneck teacher (resnet50, wide_resnet50_2) with every channel count
 * divided by 4: the same modules, names and layouts as the full one (about 200 M parameters, too
 * large for a unit test on a shared machine) in a sixteenth of the size.
 */
function narrowNetwork(teacher: 'resnet50' | 'wide_resnet50_2', seed: number): Network {
  const full = RD_CONFIGS[teacher];
  const channels = full.channels.map((c) => c / 4) as [number, number, number];
  const rd = { ...full, channels, widthPerGroup: full.widthPerGroup / 4 };
  const store = new ParamStore();
  const root = new Scope(store);
  createMsff(root.sub('msff'), msffChannelsForTeacher(channels), seed + 1);
  createOcbe(root.sub('bn'), rd, seed + 2);
  createStudent(root.sub('student'), rd, seed + 3);
  return { kind: 'dmgrd', teacher, teacherChannels: channels, rd, store };
}

function networkFor(teacher: TeacherName, seed: number): Network {
  return teacher === 'resnet50' || teacher === 'wide_resnet50_2'
    ? narrowNetwork(teacher, seed)
    : createNetwork('dmgrd', teacher, CHANNELS[teacher], seed);
}

async function roundTrip(teacher: TeacherName): Promise<void> {
  const source = networkFor(teacher, 1);
  perturbBuffers(source, 7);
  const target = networkFor(teacher, 2);
  try {
    const file = concatParts(await encodeReferenceCheckpoint(source, { steps: 321 }));
    await yieldToEventLoop();
    const weights = readPth(file);
    await yieldToEventLoop();
    for (const [k, t] of weights)
      if (k.endsWith('num_batches_tracked')) expect(Array.from(t.data), k).toEqual([321]);
    const firstParam = source.store.params.keys().next().value!;
    expect(firstBitDifference(target.store.get(firstParam), source.store.get(firstParam))).not.toBe(-1);
    importReferenceWeights(target, weights);
    await yieldToEventLoop();
    for (const [name, v] of source.store.entries())
      expect(firstBitDifference(target.store.get(name), v), `${teacher} ${name}`).toBe(-1);
  } finally {
    source.store.dispose();
    target.store.dispose();
  }
}

describe('exporting a checkpoint for the authors’ code', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  // Every teacher's DM-GRD network is in torch layout (the ResNet50-width ones narrowed, above).
  for (const teacher of Object.keys(CHANNELS) as TeacherName[]) {
    it(`export -> import returns the ${teacher} network bit for bit`, async () => {
      await roundTrip(teacher);
    });
  }

  it('names, groups and orders the state dicts as torch does', async () => {
    const net = createNetwork('dmgrd', 'resnet18', CHANNELS.resnet18, 1);
    try {
      const dicts = await referenceStateDicts(net, 5);
      expect([...dicts.keys()]).toEqual(['msff', 'student', 'bn']);
      const bn = [...dicts.get('bn')!.keys()];
      // One BatchNorm module: weight, bias, running_mean, running_var, num_batches_tracked in a row.
      const at = bn.indexOf('bn_layer.0.bn1.weight');
      expect(bn.slice(at, at + 5)).toEqual(
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map(
          (s) => `bn_layer.0.bn1.${s}`,
        ),
      );
      // ConvTranspose2d weights in torch's [in, out, kh, kw]: the student's first upsample doubles
      // its input's spatial size and halves the OCBE's 512 channels.
      const up = dicts.get('student')!.get('layer1.0.upsample.0.weight')!;
      expect(up.shape).toEqual([512, 256, 2, 2]);
      expect(dicts.get('msff')!.get('blk1.conv1.weight')!.shape).toEqual([128, 128, 3, 3]);
    } finally {
      net.store.dispose();
    }
  });

  it('refuses plain RD, which has no reference DM-GRD checkpoint', async () => {
    const net = createNetwork('rd', 'resnet18', CHANNELS.resnet18, 1);
    await expect(referenceStateDicts(net, 0)).rejects.toThrow(/plain RD has no MSFF/);
    net.store.dispose();
  });

  it('writes the memory banks NCHW under the reference MemoryBank names, with their source paths', async () => {
    const level = (l: number, c: number, h: number, seed: number) =>
      tf.randomNormal([l, h, h, c], 0, 1, 'float32', seed) as tf.Tensor4D;
    const bank = (seed: number, sources: number[]) =>
      buildMemoryBank([
        { features: [level(3, 4, 8, seed), level(3, 6, 4, seed + 1), level(3, 8, 2, seed + 2)], sources },
      ]);
    const banks = { normal: bank(1, [0, 1, 2]), abnormal: bank(4, [2, 0, 1]) };
    try {
      const bytes = await encodeMemoryBanks(banks, {
        normal: ['train/good/000.png', 'train/good/001.png', 'train/good/002.png'],
        abnormal: ['train/good/002.png', 'train/good/000.png', 'train/good/001.png'],
        teacher: 'resnet18',
        imageSize: 32,
      });
      const read = readSafetensors(bytes);
      const maps = read.get('memory_bank_normal.update_normal_memory_information.level1')!;
      expect(maps.shape).toEqual([3, 6, 4, 4]);
      const nchw = tf.transpose(banks.normal.levels[1].maps, [0, 3, 1, 2]);
      expect(Array.from(maps.data)).toEqual(Array.from(nchw.dataSync()));
      nchw.dispose();
      const means = read.get('memory_bank_abnormal.abnormal_memory_information.level2')!;
      expect(means.shape).toEqual([3, 8]);
      expect(Array.from(means.data)).toEqual(Array.from(banks.abnormal.levels[2].means.dataSync()));
      expect(read.size).toBe(12);
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
        __metadata__: Record<string, string>;
      };
      expect(JSON.parse(header.__metadata__.abnormal_sources)).toEqual([
        'train/good/002.png',
        'train/good/000.png',
        'train/good/001.png',
      ]);
      expect(header.__metadata__.image_size).toBe('32');
    } finally {
      disposeMemoryBank(banks.normal);
      disposeMemoryBank(banks.abnormal);
    }
  });
});
