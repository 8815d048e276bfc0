import * as tf from '@tensorflow/tfjs';
import type { Scope } from './params';

/**
 * Parameter creation with PyTorch's default initialisers, so a fresh model starts from the same
 * distributions as the reference. Shapes are TF.js layouts (see ParamStore).
 */

/** kaiming_normal_(mode='fan_out', relu): what RD's ResNet init loop applies to every Conv2d. */
export function convKaimingNormal(
  s: Scope,
  name: string,
  k: number,
  cin: number,
  cout: number,
  seed?: number,
): void {
  const std = Math.sqrt(2 / (cout * k * k));
  s.store.addParam(s.name(name), tf.randomNormal([k, k, cin, cout], 0, std, 'float32', seed));
}

/** PyTorch's default Conv2d init (kaiming_uniform a=sqrt(5)) and its bias: U(-1/sqrt(fan_in), ..). */
export function convDefault(
  s: Scope,
  name: string,
  k: number,
  cin: number,
  cout: number,
  bias: boolean,
  seed?: number,
): void {
  const bound = 1 / Math.sqrt(cin * k * k);
  s.store.addParam(
    s.name(`${name}.weight`),
    tf.randomUniform([k, k, cin, cout], -bound, bound, 'float32', seed),
  );
  // A seeded draw would otherwise repeat the weight's first values in the bias.
  const biasSeed = seed === undefined ? undefined : seed + 1;
  if (bias)
    s.store.addParam(s.name(`${name}.bias`), tf.randomUniform([cout], -bound, bound, 'float32', biasSeed));
}

/** BatchNorm2d parameters and running statistics, at PyTorch's defaults unless `zero` (weight = bias = 0). */
export function batchNormParams(s: Scope, name: string, c: number, zero = false): void {
  s.store.addParam(s.name(`${name}.weight`), zero ? tf.zeros([c]) : tf.ones([c]));
  s.store.addParam(s.name(`${name}.bias`), tf.zeros([c]));
  s.store.addParam(s.name(`${name}.running_mean`), tf.zeros([c]), false);
  s.store.addParam(s.name(`${name}.running_var`), tf.ones([c]), false);
}
