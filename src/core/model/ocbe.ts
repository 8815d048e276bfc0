import * as tf from '@tensorflow/tfjs';
import { batchNorm, RELU } from '../nn/batchnorm';
import { conv2d } from '../nn/conv';
import { batchNormParams, convKaimingNormal } from '../nn/init';
import type { Mode, Scope } from '../nn/params';
import {
  EXPANSION,
  createBlock,
  layerForward,
  layerPlan,
  seedSequence,
  type BlockPlan,
} from '../nn/resblock';
import { ocbeChannels, type RdConfig } from './rd-config';

/**
 * RD's one-class bottleneck embedding (`BN_layer`): the two shallower taps are brought to the
 * deepest tap's size with stride-2 3x3 convs, concatenated with it, and squeezed by one residual
 * stage with stride 2. Parameter names are the reference's (`conv1..3`, `bn1..3`, `bn_layer.*`).
 * `conv4`/`bn4` exist in the reference's state_dict but its forward never uses them; they are
 * created anyway so checkpoints round-trip, and get no gradient.
 */

/** The residual stage `bn_layer`: first block takes the 3·c3 concatenation. */
export function ocbePlans(cfg: RdConfig): BlockPlan[] {
  const c3 = cfg.channels[2];
  return layerPlan(
    cfg.block,
    3 * c3,
    ocbeChannels(cfg) / EXPANSION[cfg.block],
    cfg.layers[3],
    2,
    cfg.widthPerGroup,
    false,
  );
}

export function createOcbe(s: Scope, cfg: RdConfig, seed?: number): void {
  const [c1, c2, c3] = cfg.channels;
  const next = seedSequence(seed);
  ocbePlans(cfg).forEach((p, i) => createBlock(s.sub('bn_layer').sub(i), p, next));
  convKaimingNormal(s, 'conv1.weight', 3, c1, c2, next());
  batchNormParams(s, 'bn1', c2);
  convKaimingNormal(s, 'conv2.weight', 3, c2, c3, next());
  batchNormParams(s, 'bn2', c3);
  convKaimingNormal(s, 'conv3.weight', 3, c2, c3, next());
  batchNormParams(s, 'bn3', c3);
  convKaimingNormal(s, 'conv4.weight', 1, 4 * c3, ocbeChannels(cfg), next());
  batchNormParams(s, 'bn4', ocbeChannels(cfg));
}

/** Names (relative to the OCBE scope) of the parameters the forward never reads. */
export const OCBE_UNUSED = [
  'conv4.weight',
  'bn4.weight',
  'bn4.bias',
  'bn4.running_mean',
  'bn4.running_var',
] as const;

export function ocbeForward(
  s: Scope,
  cfg: RdConfig,
  feats: readonly [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D], // [N,H/4,W/4,c1], [N,H/8,W/8,c2], [N,H/16,W/16,c3]
  mode: Mode,
): tf.Tensor4D /* [N,H/32,W/32,2·c3] */ {
  return tf.tidy(() => {
    const [f0, f1, f2] = feats;
    const w = (name: string): tf.Tensor4D => s.get(name) as tf.Tensor4D;
    const a = batchNorm(s.sub('bn1'), conv2d(f0, w('conv1.weight'), 2, 1), mode, RELU);
    const l1 = batchNorm(s.sub('bn2'), conv2d(a, w('conv2.weight'), 2, 1), mode, RELU);
    const l2 = batchNorm(s.sub('bn3'), conv2d(f1, w('conv3.weight'), 2, 1), mode, RELU);
    return layerForward(s.sub('bn_layer'), tf.concat([l1, l2, f2], 3), ocbePlans(cfg), mode);
  });
}
