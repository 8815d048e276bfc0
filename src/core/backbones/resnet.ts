import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../io/safetensors';
import { batchNormParams, convKaimingNormal } from '../nn/init';
import { ParamStore, Scope } from '../nn/params';
import { createBlock, seedSequence } from '../nn/resblock';
import { loadTorchWeights } from '../nn/torch-weights';
import {
  foldResNet,
  frozenResNetForward,
  resnetPlans,
  type ConvSite,
  type ResNetSpec,
  type UnfoldedConv,
} from './frozen-resnet';
import { TEACHER_STRIDES, type Teacher } from './teacher';

/**
 * The torchvision ResNet family (v1.5: the stride sits on the 3x3 conv) up to layer3, as RD and
 * DM-GRD use it: conv1 7x7/2 → bn1 → relu → maxpool 3x3/2 → layer1..3, taps after each layer,
 * BatchNorm always in eval mode. Weights are torchvision state_dict tensors (layer4/fc ignored),
 * folded into their convolutions when the teacher is made (frozen-resnet.ts).
 */

export type ResNetArch = 'resnet18' | 'resnet34' | 'resnet50' | 'wide_resnet50_2';

export const RESNET_SPECS: Record<ResNetArch, ResNetSpec> = {
  resnet18: { block: 'basic', layers: [2, 2, 2], widthPerGroup: 64, strideOn: '3x3' },
  resnet34: { block: 'basic', layers: [3, 4, 6], widthPerGroup: 64, strideOn: '3x3' },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6], widthPerGroup: 64, strideOn: '3x3' },
  wide_resnet50_2: { block: 'bottleneck', layers: [3, 4, 6], widthPerGroup: 128, strideOn: '3x3' },
};

const BN_EPS = 1e-5;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

export function resnetChannels(spec: ResNetSpec): [number, number, number] {
  return resnetPlans(spec).map((p) => p[p.length - 1].cout) as [number, number, number];
}

/** Creates conv1/bn1/layer1..3 parameters (torchvision names, no prefix) with torchvision's init. */
export function createResNet(store: ParamStore, spec: ResNetSpec, seed?: number): void {
  const s = new Scope(store);
  const next = seedSequence(seed);
  convKaimingNormal(s, 'conv1.weight', 7, 3, 64, next());
  batchNormParams(s, 'bn1', 64);
  resnetPlans(spec).forEach((plans, l) =>
    plans.forEach((p, i) => createBlock(s.sub(`layer${l + 1}`).sub(i), p, next)),
  );
}

/** Keys of a torchvision checkpoint this truncated model does not use. */
export function isUnusedResNetKey(name: string): boolean {
  return name.startsWith('layer4.') || name.startsWith('fc.');
}

/** A torchvision-named store's convolution and the BatchNorm after it. */
function torchConv(store: ParamStore, site: ConvSite): UnfoldedConv {
  const s = new Scope(store);
  const [conv, bn] =
    site.layer === null
      ? [s.sub('conv1'), s.sub('bn1')]
      : site.part === 0
        ? [s.sub(site.name).sub('0'), s.sub(site.name).sub('1')]
        : [s.sub(site.name), s.sub(site.name.replace(/conv(\d)$/, 'bn$1'))];
  return {
    filter: conv.get('weight') as tf.Tensor4D,
    bn: {
      gamma: bn.get('weight') as tf.Tensor1D,
      beta: bn.get('bias') as tf.Tensor1D,
      mean: bn.get('running_mean') as tf.Tensor1D,
      variance: bn.get('running_var') as tf.Tensor1D,
      eps: BN_EPS,
    },
  };
}

export class ResNetTeacher implements Teacher {
  readonly channels: readonly [number, number, number];
  readonly strides = TEACHER_STRIDES;
  readonly spec: ResNetSpec;
  /** The folded convolutions (frozen-resnet.ts). */
  private readonly store: ParamStore;

  /**
   * From a torchvision-named store (`createResNet`'s names), which is folded and left to the
   * caller. `random` and `fromTorch` make one.
   */
  private constructor(
    readonly name: ResNetArch,
    torch: ParamStore,
  ) {
    this.spec = RESNET_SPECS[name];
    this.channels = resnetChannels(this.spec);
    this.store = foldResNet(this.spec, (site) => torchConv(torch, site), `${name} teacher`);
  }

  /** Random weights with torchvision's init; a `seed` makes them reproducible. */
  static random(name: ResNetArch, seed?: number): ResNetTeacher {
    return ResNetTeacher.fromStore(name, seed, () => {});
  }

  /**
   * torchvision weights (a state dict read by readPth / readSafetensors), loaded strictly: missing
   * or mis-shaped keys throw with the list; layer4/fc/num_batches_tracked are ignored. `prefix`
   * selects a sub-dict (e.g. `teacher.` in the golden files).
   */
  static fromTorch(name: ResNetArch, weights: Map<string, NamedArray>, prefix = ''): ResNetTeacher {
    return ResNetTeacher.fromStore(name, undefined, (torch) =>
      loadTorchWeights(torch, weights, { prefix, ignore: isUnusedResNetKey, label: `${name} teacher` }),
    );
  }

  private static fromStore(
    name: ResNetArch,
    seed: number | undefined,
    load: (torch: ParamStore) => void,
  ): ResNetTeacher {
    const torch = new ParamStore();
    try {
      createResNet(torch, RESNET_SPECS[name], seed);
      load(torch);
      return new ResNetTeacher(name, torch);
    } finally {
      torch.dispose();
    }
  }

  features(x: tf.Tensor4D /* [N,H,W,3] RGB in [0,1] */): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => this.featuresRaw(tf.div(tf.sub(x, IMAGENET_MEAN), IMAGENET_STD)));
  }

  /** features() without the ImageNet normalisation (input already normalised). */
  featuresRaw(x: tf.Tensor4D /* [N,H,W,3] */): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return frozenResNetForward(this.store, this.spec, x) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  }

  dispose(): void {
    this.store.dispose();
  }
}
