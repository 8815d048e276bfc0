import * as tf from '@tensorflow/tfjs';
import { vectorJacobian } from './backprop';

/**
 * `block(x)` under gradient checkpointing: a gradient tape records it as one node that keeps only `x`,
 * and its backward pass runs `block` again under a tape of its own to differentiate it. `block` must
 * compute the same function both times (pass `first` on to anything with side effects, such as
 * BatchNorm's running statistics, so they are updated once), and `params` must list every variable
 * it reads, since the recorded node reaches the weights only through them.
 */
export function recomputed(
  block: (x: tf.Tensor4D, first: boolean) => tf.Tensor4D,
  x: tf.Tensor4D, // [N,H,W,C]
  params: tf.Variable[],
): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([input]);
    return {
      value: block(input, true),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const kept = saved[0] as tf.Tensor4D;
        return vectorJacobian(() => block(kept, false), [kept, ...params], dy as tf.Tensor);
      },
    };
  });
  return op(x, ...params) as tf.Tensor4D;
}
