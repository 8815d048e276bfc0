import * as tf from '@tensorflow/tfjs';
import { FlatProgram, forwardOnlyBackend, runProgram } from './webgpu';

/** x [N,H,W,C] → [N,H,W,2]: the max and the mean over channels, one invocation per pixel. */
class ChannelMaxMeanProgram extends FlatProgram {
  variableNames = ['X'];

  constructor([n, h, w]: readonly number[]) {
    super([n, h, w, 2], 'dmgrd_channel_max_mean', n * h * w);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index * 2 >= uniforms.size) { return; }
        let c = uniforms.xShape[3];
        let base = index * c;
        var hi = X[base];
        var sum = 0.0;
        for (var k = 0; k < c; k++) {
          let v = X[base + k];
          hi = max(hi, v);
          sum += v;
        }
        setOutputAtIndex(index * 2, hi);
        setOutputAtIndex(index * 2 + 1, sum / f32(c));
      }
    `;
  }
}

/**
 * [max over channels, mean over channels] per pixel, [N,H,W,2] (the spatial attention's input). One
 * WebGPU dispatch when no gradient is recorded, where the composite form is three.
 */
export function channelMaxMean(x: tf.Tensor4D /* [N,H,W,C] */): tf.Tensor4D {
  const backend = forwardOnlyBackend();
  if (backend) return runProgram<tf.Tensor4D>(backend, new ChannelMaxMeanProgram(x.shape), [x]);
  return tf.tidy(() => tf.concat([tf.max(x, 3, true), tf.mean(x, 3, true)], 3) as tf.Tensor4D);
}
