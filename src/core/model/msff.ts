import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../nn/conv';
import { convDefault } from '../nn/init';
import type { Mode, Scope } from '../nn/params';
import { resizeBilinearAlignCorners } from '../nn/resize';
import { recomputed } from '../train/recompute';
import { createNonLocal, nonLocalForward } from './non-local';
import { createSpatialAttention, spatialAttention } from './spatial-attention';

/**
 * Multi-scale feature fusion (MSFF) of the reference, generic over its three input channel counts
 * (c1, c2, c3) = 2 x the teacher's channels (the memory-select output concat(F, DI)); WRN50 gives
 * (512, 1024, 2048), the golden fixture (128, 256, 512). Outputs have c_i / 2 channels at the input
 * resolutions. State-dict names (under the caller's scope, e.g. `msff`): `blk{1,2,3}.conv1.*`,
 * `blk{i}.attn.*` (see non-local.ts), `blk{i}.conv2.{0,1}.*`, `upconv32.1.*`, `upconv21.1.*`, `sam.conv.*`.
 */

export type MsffChannels = [number, number, number];

/** MSFF input channels for a teacher with per-level channels `teacher` (memory select doubles them). */
export function msffChannelsForTeacher(teacher: readonly [number, number, number]): MsffChannels {
  return [2 * teacher[0], 2 * teacher[1], 2 * teacher[2]];
}

function convParams(s: Scope, name: string, k: number, cin: number, cout: number, seed: number): void {
  convDefault(s, name, k, cin, cout, false, seed);
  // Own seed for the bias: convDefault would reuse the weight's random stream.
  const bound = 1 / Math.sqrt(cin * k * k);
  s.store.addParam(s.name(`${name}.bias`), tf.randomUniform([cout], -bound, bound, 'float32', seed + 1));
}

function conv3x3(s: Scope, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return conv2d(x, s.get(`${name}.weight`) as tf.Tensor4D, 1, 1, s.get(`${name}.bias`) as tf.Tensor1D);
}

function createBlock(s: Scope, c: number, seed: number): void {
  const half = Math.floor(c / 2);
  convParams(s, 'conv1', 3, c, c, seed);
  createNonLocal(s.sub('attn'), c, seed + 10);
  convParams(s, 'conv2.0', 3, c, half, seed + 20);
  convParams(s, 'conv2.1', 3, half, half, seed + 30);
}

/**
 * Adds every MSFF parameter and buffer to `s.store` under `s`, with PyTorch's default Conv2d init
 * (kaiming-uniform weights, uniform biases) and the non-local blocks' output BN zeroed.
 */
export function createMsff(s: Scope, channels: MsffChannels, seed = 0): void {
  const [c1, c2, c3] = channels;
  const base = seed * 1000;
  createBlock(s.sub('blk1'), c1, base + 100);
  createBlock(s.sub('blk2'), c2, base + 200);
  createBlock(s.sub('blk3'), c3, base + 300);
  convParams(s, 'upconv32.1', 3, Math.floor(c3 / 2), Math.floor(c2 / 2), base + 400);
  convParams(s, 'upconv21.1', 3, Math.floor(c2 / 2), Math.floor(c1 / 2), base + 500);
  createSpatialAttention(s.sub('sam'), base + 600);
}

/**
 * MSFFBlock: conv2(conv1(x) * NonLocal(x)), conv2 = two 3x3 convs without activation between.
 * Under `mode.recompute` its activations (the bulk of the MSFF's) are recomputed in the backward pass.
 */
function block(s: Scope, x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
  if (!mode.recompute) return blockForward(s, x, mode);
  const again: Mode = { ...mode, updateStats: false };
  return recomputed((input, first) => blockForward(s, input, first ? mode : again), x, s.params());
}

function blockForward(s: Scope, x: tf.Tensor4D, mode: Mode): tf.Tensor4D {
  const gated = tf.mul(conv3x3(s, 'conv1', x), nonLocalForward(s.sub('attn'), x, mode)) as tf.Tensor4D;
  return conv3x3(s, 'conv2.1', conv3x3(s, 'conv2.0', gated));
}

/**
 * The reference's nn.Upsample(x2, align_corners) to `target`'s size. With odd pyramid sizes (e.g.
 * 4 -> 8 against a 7x7 level, from small inputs to light teachers) PyTorch would fail on the next
 * add; we resize straight to the target size instead, which equals x2 whenever the sizes agree.
 */
function upTo(x: tf.Tensor4D, target: tf.Tensor4D): tf.Tensor4D {
  return resizeBilinearAlignCorners(x, target.shape[1], target.shape[2]);
}

/**
 * Forward on the three memory-select outputs [f1, f2, f3] (NHWC, c1/c2/c3 channels, each level half
 * the previous size). Returns [f1f * m1, f2f * m2, k3 * m3] with c_i / 2 channels.
 * In training mode the non-local BNs use batch statistics and update their running statistics.
 */
export function msffForward(
  s: Scope,
  features: readonly [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D], // [B,H_i,W_i,c_i]
  mode: Mode,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const [f1, f2, f3] = features;
    const k1 = block(s.sub('blk1'), f1, mode);
    const k2 = block(s.sub('blk2'), f2, mode);
    const k3 = block(s.sub('blk3'), f3, mode);
    const f2f = tf.add(k2, conv3x3(s, 'upconv32.1', upTo(k3, k2))) as tf.Tensor4D;
    const f1f = tf.add(k1, conv3x3(s, 'upconv21.1', upTo(f2f, k1))) as tf.Tensor4D;
    const sam = s.sub('sam');
    const m3 = spatialAttention(sam, f3);
    const m2 = tf.mul(spatialAttention(sam, f2), upTo(m3, f2)) as tf.Tensor4D;
    const m1 = tf.mul(spatialAttention(sam, f1), upTo(m2, f1)) as tf.Tensor4D;
    return [tf.mul(f1f, m1), tf.mul(f2f, m2), tf.mul(k3, m3)] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}
