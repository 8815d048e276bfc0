import * as tf from '@tensorflow/tfjs';
import { batchNorm, RELU, type BatchNormOptions } from './batchnorm';
import { conv2d } from './conv';
import { convTranspose2x2, convTransposeDefault } from './conv-transpose';
import { batchNormParams, convKaimingNormal } from './init';
import type { Mode, Scope } from './params';

/**
 * torchvision-style residual blocks, shared by the ResNet teacher, RD's OCBE (`BN_layer`) and the
 * reverse student (`de_resnet`). Parameter names follow the PyTorch modules: conv1/bn1, conv2/bn2,
 * conv3/bn3 (bottleneck), `downsample.0/1` (1x1 conv + BN) or, in the decoder, `upsample.0/1`
 * (2x2 stride-2 transposed conv + BN).
 */

export type BlockKind = 'basic' | 'bottleneck';

export interface BlockPlan {
  kind: BlockKind;
  cin: number;
  /** Inner width (bottleneck: planes·widthPerGroup/64; basic: planes). */
  width: number;
  cout: number;
  stride: 1 | 2;
  /**
   * Decoder block: the stride-2 conv is a 2x2 stride-2 ConvTranspose2d (conv1 in a basic block,
   * conv2 in a bottleneck) and the shortcut is `upsample` instead of `downsample`.
   */
  decoder: boolean;
  /** Whether the block has a projection shortcut (downsample / upsample). */
  projection: boolean;
}

export const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/**
 * The blocks of one torchvision `_make_layer(block, planes, blocks, stride)`. `firstCin` is the
 * first block's input channels (RD's OCBE feeds it 3·inplanes).
 */
export function layerPlan(
  kind: BlockKind,
  firstCin: number,
  planes: number,
  blocks: number,
  stride: 1 | 2,
  widthPerGroup: number,
  decoder: boolean,
): BlockPlan[] {
  const cout = planes * EXPANSION[kind];
  const width = kind === 'basic' ? planes : Math.floor((planes * widthPerGroup) / 64);
  const plans: BlockPlan[] = [];
  for (let i = 0; i < blocks; i++) {
    const cin = i === 0 ? firstCin : cout;
    const s = i === 0 ? stride : 1;
    if (decoder && s === 1 && cin !== cout)
      throw new Error('decoder blocks only change channels while upsampling');
    plans.push({ kind, cin, width, cout, stride: s, decoder, projection: s !== 1 || cin !== cout });
  }
  return plans;
}

/** Names of the ConvTranspose2d weights of a block (relative to the block's scope). */
export function transposedConvNames(p: BlockPlan): string[] {
  if (!p.decoder || p.stride !== 2) return [];
  return [p.kind === 'basic' ? 'conv1.weight' : 'conv2.weight', 'upsample.0.weight'];
}

/**
 * Creates a block's parameters with RD's init: kaiming-normal (fan_out, relu) for Conv2d, PyTorch's
 * default for ConvTranspose2d (RD's init loop does not touch them), BN weight 1 / bias 0.
 * `seed` returns a fresh seed per tensor (undefined for unseeded).
 */
export function createBlock(s: Scope, p: BlockPlan, seed: () => number | undefined): void {
  const up = p.decoder && p.stride === 2;
  if (p.kind === 'basic') {
    if (up) convTransposeDefault(s, 'conv1.weight', p.cin, p.width, seed());
    else convKaimingNormal(s, 'conv1.weight', 3, p.cin, p.width, seed());
    batchNormParams(s, 'bn1', p.width);
    convKaimingNormal(s, 'conv2.weight', 3, p.width, p.cout, seed());
    batchNormParams(s, 'bn2', p.cout);
  } else {
    convKaimingNormal(s, 'conv1.weight', 1, p.cin, p.width, seed());
    batchNormParams(s, 'bn1', p.width);
    if (up) convTransposeDefault(s, 'conv2.weight', p.width, p.width, seed());
    else convKaimingNormal(s, 'conv2.weight', 3, p.width, p.width, seed());
    batchNormParams(s, 'bn2', p.width);
    convKaimingNormal(s, 'conv3.weight', 1, p.width, p.cout, seed());
    batchNormParams(s, 'bn3', p.cout);
  }
  if (p.projection) {
    if (up) convTransposeDefault(s, 'upsample.0.weight', p.cin, p.cout, seed());
    else convKaimingNormal(s, 'downsample.0.weight', 1, p.cin, p.cout, seed());
    batchNormParams(s, up ? 'upsample.1' : 'downsample.1', p.cout);
  }
}

function w4(s: Scope, name: string): tf.Tensor4D {
  return s.get(name) as tf.Tensor4D;
}

/** A stride-`stride` conv, or the 2x2 transposed conv for a decoder's upsampling position. */
function convAt(s: Scope, name: string, x: tf.Tensor4D, k: number, stride: 1 | 2, up: boolean): tf.Tensor4D {
  if (up) return convTranspose2x2(x, w4(s, name));
  return conv2d(x, w4(s, name), stride, k === 3 ? 1 : 0);
}

export function blockForward(
  s: Scope,
  x: tf.Tensor4D, // [N,H,W,cin]
  p: BlockPlan,
  mode: Mode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const up = p.decoder && p.stride === 2;
    let residual = x;
    if (p.projection) {
      residual = up
        ? batchNorm(s.sub('upsample.1'), convTranspose2x2(x, w4(s, 'upsample.0.weight')), mode)
        : batchNorm(s.sub('downsample.1'), conv2d(x, w4(s, 'downsample.0.weight'), p.stride, 0), mode);
    }
    // The last BatchNorm takes the shortcut and the ReLU (one pass in eval mode).
    const last: BatchNormOptions = { relu: true, residual };
    if (p.kind === 'basic') {
      const y = batchNorm(s.sub('bn1'), convAt(s, 'conv1.weight', x, 3, p.stride, up), mode, RELU);
      return batchNorm(s.sub('bn2'), conv2d(y, w4(s, 'conv2.weight'), 1, 1), mode, last);
    }
    let y = batchNorm(s.sub('bn1'), conv2d(x, w4(s, 'conv1.weight'), 1, 0), mode, RELU);
    y = batchNorm(s.sub('bn2'), convAt(s, 'conv2.weight', y, 3, p.stride, up), mode, RELU);
    return batchNorm(s.sub('bn3'), conv2d(y, w4(s, 'conv3.weight'), 1, 0), mode, last);
  });
}

/** Runs a list of blocks named `0`, `1`, ... under `s`. */
export function layerForward(s: Scope, x: tf.Tensor4D, plans: BlockPlan[], mode: Mode): tf.Tensor4D {
  return tf.tidy(() => plans.reduce((h, p, i) => blockForward(s.sub(i), h, p, mode), x));
}

/** A seed sequence for createBlock & co: distinct per tensor, reproducible from one number. */
export function seedSequence(seed: number | undefined): () => number | undefined {
  let k = 0;
  return () => (seed === undefined ? undefined : seed + 7919 * k++);
}
