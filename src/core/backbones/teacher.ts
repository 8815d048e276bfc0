/** The frozen ImageNet encoder every teacher implements: three feature taps at strides 4/8/16. */
import type * as tf from '@tensorflow/tfjs';
import type { TeacherName } from '../config';

export const TEACHER_STRIDES = [4, 8, 16] as const;

export interface Teacher {
  readonly name: TeacherName;
  /** Channels of each tap. */
  readonly channels: readonly [number, number, number];
  readonly strides: readonly [4, 8, 16];
  /**
   * x: [N,H,W,3] RGB in [0,1] (H, W multiples of 16); returns the three taps NHWC,
   * [N,H/4,W/4,C1], [N,H/8,W/8,C2], [N,H/16,W/16,C3]. Always inference mode (eval BatchNorm);
   * the teacher applies its own input normalisation. The caller owns the returned tensors.
   */
  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  /** ImageNet logits [N,1000] (for sanity tests), when the weights include a classifier. */
  classify?(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}
