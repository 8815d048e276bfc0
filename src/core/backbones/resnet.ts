import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../io/safetensors';
import { batchNorm } from '../nn/batchnorm';
import { conv2d } from '../nn/conv';
import { batchNormParams, convKaimingNormal } from '../nn/init';
import { EVAL, ParamStore, Scope } from '../nn/params';
import {
  layerForward,
  layerPlan,
  seedSequence,
  createBlock,
  type BlockKind,
  type BlockPlan,
} from '../nn/resblock';
import { loadTorchWeights } from '../nn/torch-weights';
import { TEACHER_STRIDES, type Teacher } from './teacher';

/**
 * The torchvision ResNet family (v1.5: the stride sits on the 3x3 conv) up to layer3, as RD and
 * DM-GRD use it: conv1 7x7/2 → bn1 → relu → maxpool 3x3/2 → layer1..3, taps after each layer,
 * BatchNorm always in eval mode. Weights are torchvision state_dict tensors (layer4/fc ignored).
 */

export type ResNetArch = 'resnet18' | 'resnet34' | 'resnet50' | 'wide_resnet50_2';

export interface ResNetSpec {
  block: BlockKind;
  /** Blocks in layer1..layer3 (layer4 is never built). */
  layers: readonly [number, number, number];
  widthPerGroup: number;
}

export const RESNET_SPECS: Record<ResNetArch, ResNetSpec> = {
  resnet18: { block: 'basic', layers: [2, 2, 2], widthPerGroup: 64 },
  resnet34: { block: 'basic', layers: [3, 4, 6], widthPerGroup: 64 },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6], widthPerGroup: 64 },
  wide_resnet50_2: { block: 'bottleneck', layers: [3, 4, 6], widthPerGroup: 128 },
};

const PLANES = [64, 128, 256] as const;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** layer1..layer3 block plans of a spec. */
export function resnetPlans(spec: ResNetSpec): [BlockPlan[], BlockPlan[], BlockPlan[]] {
  let cin = 64;
  const plans = PLANES.map((planes, i) => {
    const p = layerPlan(spec.block, cin, planes, spec.layers[i], i === 0 ? 1 : 2, spec.widthPerGroup, false);
    cin = p[p.length - 1].cout;
    return p;
  });
  return plans as [BlockPlan[], BlockPlan[], BlockPlan[]];
}

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

/** PyTorch MaxPool2d(3, 2, padding=1): padding never wins a max, hence -Infinity, not zeros. */
function maxPool3x3s2(x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = tf.pad(
      x,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      -Infinity,
    );
    return tf.maxPool(padded, 3, 2, 'valid');
  });
}

/** conv1 … layer3 on an already normalised input. */
export function resnetForward(
  store: ParamStore,
  spec: ResNetSpec,
  x: tf.Tensor4D, // [N,H,W,3], ImageNet-normalised
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const s = new Scope(store);
    let h = conv2d(x, s.get('conv1.weight') as tf.Tensor4D, 2, 3);
    h = maxPool3x3s2(tf.relu(batchNorm(s.sub('bn1'), h, EVAL)));
    const taps = resnetPlans(spec).map(
      (plans, l) => (h = layerForward(s.sub(`layer${l + 1}`), h, plans, EVAL)),
    );
    return taps as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}

/** Keys of a torchvision checkpoint this truncated model does not use. */
export function isUnusedResNetKey(name: string): boolean {
  return name.startsWith('layer4.') || name.startsWith('fc.');
}

export class ResNetTeacher implements Teacher {
  readonly channels: readonly [number, number, number];
  readonly strides = TEACHER_STRIDES;
  readonly spec: ResNetSpec;
  readonly store = new ParamStore();

  /** Builds the network with random (torchvision-init) weights; call `loadTorch` for real ones. */
  constructor(
    readonly name: ResNetArch,
    seed?: number,
  ) {
    this.spec = RESNET_SPECS[name];
    this.channels = resnetChannels(this.spec);
    createResNet(this.store, this.spec, seed);
  }

  /**
   * Loads torchvision weights (a state dict read by readPth / readSafetensors), strictly: missing or
   * mis-shaped keys throw with the list; layer4/fc/num_batches_tracked are ignored. `prefix` selects
   * a sub-dict (e.g. `teacher.` in the golden files).
   */
  loadTorch(weights: Map<string, NamedArray>, prefix = ''): void {
    loadTorchWeights(this.store, weights, {
      prefix,
      ignore: isUnusedResNetKey,
      label: `${this.name} teacher`,
    });
  }

  features(x: tf.Tensor4D /* [N,H,W,3] RGB in [0,1] */): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => this.featuresRaw(tf.div(tf.sub(x, IMAGENET_MEAN), IMAGENET_STD)));
  }

  /** features() without the ImageNet normalisation (input already normalised). */
  featuresRaw(x: tf.Tensor4D /* [N,H,W,3] */): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return resnetForward(this.store, this.spec, x);
  }

  dispose(): void {
    this.store.dispose();
  }
}
