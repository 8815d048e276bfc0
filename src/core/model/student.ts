import * as tf from '@tensorflow/tfjs';
import type { Mode, Scope } from '../nn/params';
import {
  EXPANSION,
  createBlock,
  layerForward,
  layerPlan,
  seedSequence,
  transposedConvNames,
  type BlockPlan,
} from '../nn/resblock';
import { ocbeChannels, type RdConfig } from './rd-config';

/**
 * RD's reverse student (`de_resnet*`): three residual layers that mirror the teacher from deep to
 * shallow. The first block of each layer doubles the resolution with a 2x2 stride-2 ConvTranspose2d
 * (basic: conv1; bottleneck: conv2) and an `upsample` shortcut (ConvTranspose2d + BN). Transposed
 * conv weights are stored [in,kh,kw,out] (torch: [in,out,kh,kw]); see conv-transpose.ts.
 */

/** Plans of decoder layer1..3: layer k outputs the width of teacher tap 3-k. */
export function studentPlans(cfg: RdConfig): [BlockPlan[], BlockPlan[], BlockPlan[]] {
  const e = EXPANSION[cfg.block];
  let cin = ocbeChannels(cfg);
  const out = [2, 1, 0].map((tap, l) => {
    const plans = layerPlan(cfg.block, cin, cfg.channels[tap] / e, cfg.layers[l], 2, cfg.widthPerGroup, true);
    cin = cfg.channels[tap];
    return plans;
  });
  return out as [BlockPlan[], BlockPlan[], BlockPlan[]];
}

export function createStudent(s: Scope, cfg: RdConfig, seed?: number): void {
  const next = seedSequence(seed);
  studentPlans(cfg).forEach((plans, l) =>
    plans.forEach((p, i) => createBlock(s.sub(`layer${l + 1}`).sub(i), p, next)),
  );
}

/** Student parameter names (relative to its scope) that are ConvTranspose2d weights. */
export function studentTransposedConvs(cfg: RdConfig): Set<string> {
  const names = new Set<string>();
  studentPlans(cfg).forEach((plans, l) =>
    plans.forEach((p, i) => transposedConvNames(p).forEach((n) => names.add(`layer${l + 1}.${i}.${n}`))),
  );
  return names;
}

/**
 * Returns [de0, de1, de2] = [layer3_out, layer2_out, layer1_out], so de_k pairs with teacher tap k
 * (the reference's order).
 */
export function studentForward(
  s: Scope,
  cfg: RdConfig,
  x: tf.Tensor4D, // [N,h,w,2·c3] (OCBE output)
  mode: Mode,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] /* [N,8h,8w,c1], [N,4h,4w,c2], [N,2h,2w,c3] */ {
  return tf.tidy(() => {
    let h = x;
    const outs = studentPlans(cfg).map(
      (plans, l) => (h = layerForward(s.sub(`layer${l + 1}`), h, plans, mode)),
    );
    return [outs[2], outs[1], outs[0]];
  });
}
