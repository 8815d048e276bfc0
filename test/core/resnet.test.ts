import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  createResNet,
  RESNET_SPECS,
  resnetChannels,
  ResNetTeacher,
  type ResNetArch,
} from '../../src/core/backbones/resnet';
import { ParamStore } from '../../src/core/nn/params';
import { torchShape } from '../../src/core/nn/torch-weights';
import { get, hasShared, loadGolden, nhwc, relErr, toNchwData } from '../helpers/golden';

function checkBackbone(arch: ResNetArch, file: string): void {
  const g = loadGolden(file);
  const teacher = ResNetTeacher.fromTorch(arch, g, 'teacher.');
  const x = nhwc(get(g, 'input.x')) as tf.Tensor4D;
  const taps = teacher.featuresRaw(x);
  ['layer1', 'layer2', 'layer3'].forEach((name, i) => {
    const ref = get(g, `output.${name}`);
    expect(taps[i].shape, name).toEqual([ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]]);
    const err = relErr(toNchwData(taps[i]), ref.data as Float32Array);
    expect(err, `${arch} ${name}`).toBeLessThan(1e-4);
  });
  tf.dispose([x, ...taps]);
  teacher.dispose();
}

describe.skipIf(!hasShared())('ResNet teacher (torchvision layout) vs the reference', () => {
  it('resnet18 conv1..layer3 matches backbone_resnet18', async () => {
    await tf.setBackend('cpu');
    checkBackbone('resnet18', 'backbone_resnet18.safetensors.gz');
  });

  it('resnet50 (Bottleneck, v1.5) matches backbone_resnet50', async () => {
    await tf.setBackend('cpu');
    checkBackbone('resnet50', 'backbone_resnet50.safetensors.gz');
  });
});

describe('ResNet teacher construction', () => {
  it('wide_resnet50_2 has the state_dict shapes of the reference (README section 2)', async () => {
    await tf.setBackend('cpu');
    const t = new ParamStore();
    createResNet(t, RESNET_SPECS.wide_resnet50_2);
    const shape = (n: string): number[] => torchShape(t.get(n).shape, false);
    expect(resnetChannels(RESNET_SPECS.wide_resnet50_2)).toEqual([256, 512, 1024]);
    expect(shape('layer1.0.conv1.weight')).toEqual([128, 64, 1, 1]);
    expect(shape('layer1.0.conv2.weight')).toEqual([128, 128, 3, 3]);
    expect(shape('layer1.0.conv3.weight')).toEqual([256, 128, 1, 1]);
    expect(shape('layer1.0.downsample.0.weight')).toEqual([256, 64, 1, 1]);
    expect(shape('layer2.0.conv2.weight')).toEqual([256, 256, 3, 3]);
    expect(shape('layer3.0.conv1.weight')).toEqual([512, 512, 1, 1]);
    expect(shape('layer3.0.conv2.weight')).toEqual([512, 512, 3, 3]);
    expect(shape('layer3.0.conv3.weight')).toEqual([1024, 512, 1, 1]);
    expect(shape('layer3.0.downsample.0.weight')).toEqual([1024, 512, 1, 1]);
    expect(shape('layer3.5.bn2.running_var')).toEqual([512]);
    expect(t.has('layer3.6.conv1.weight')).toBe(false);
    expect(t.has('layer4.0.conv1.weight')).toBe(false);
    t.dispose();
  });

  it('feature taps have strides 4/8/16 and the layer channels', async () => {
    await tf.setBackend('cpu');
    for (const [arch, ch] of [
      ['resnet18', [64, 128, 256]],
      ['resnet34', [64, 128, 256]],
    ] as const) {
      const t = ResNetTeacher.random(arch, 3);
      expect(t.channels).toEqual(ch);
      const x = tf.randomUniform([1, 32, 32, 3]) as tf.Tensor4D;
      const f = t.features(x);
      expect(f.map((a) => a.shape)).toEqual([
        [1, 8, 8, ch[0]],
        [1, 4, 4, ch[1]],
        [1, 2, 2, ch[2]],
      ]);
      tf.dispose([x, ...f]);
      t.dispose();
    }
  });

  it('rejects a checkpoint with missing or mis-shaped keys, naming them', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const sd = new Map([
      ['conv1.weight', { dtype: 'F32' as const, shape: [64, 3, 5, 5], data: new Float32Array(64 * 3 * 25) }],
      ['fc.weight', { dtype: 'F32' as const, shape: [1000, 512], data: new Float32Array(0) }],
    ]);
    expect(() => ResNetTeacher.fromTorch('resnet18', sd)).toThrow(
      /conv1\.weight: file has \[64,3,5,5\], resnet18 teacher expects \[64,3,7,7\]/,
    );
    expect(() => ResNetTeacher.fromTorch('resnet18', sd)).toThrow(/missing layer1\.0\.conv1\.weight/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
