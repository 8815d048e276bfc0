/**
 * MobileNetV2 alpha 0.35, Keras ImageNet weights as exported by Teachable Machine. The export wraps
 * the Keras functional model in Sequentials with a user-trained head whose weights are not in the
 * file; only the backbone's weights are read. There is no ImageNet classifier: no classify().
 *
 * Taps: the expansion (ReLU6) outputs that open blocks 3, 6 and 13, i.e. the last full-resolution
 * features before each stride-2 block (48 / 96 / 192 channels at strides 4 / 8 / 16). The block
 * outputs at the same strides (block_2_add / block_5_add / block_12_add) have only 8 / 16 / 32
 * channels at alpha 0.35, fewer than the memory selection's top-k (k = L // 3 = 10) needs.
 *
 * Every convolution is folded with its BatchNorm, so each is one kernel with its ReLU6: TF.js
 * running the Keras model spent a fifth of RD's inference in BatchNorm alone.
 * test/core/teachers.test.ts checks the taps against TF.js running the Keras model.
 */
import * as tf from '@tensorflow/tfjs';
import { foldBatchNorm, frozenConv, frozenDepthwiseConv, type FrozenActivation } from '../nn/frozen-conv';
import { ParamStore } from '../nn/params';
import { readNamedWeights, type LoadProgress, type ReadFile } from './io-handler';
import { kerasBatchNorm } from './keras-batchnorm';
import { TEACHER_STRIDES, type Teacher } from './teacher';

const LABEL = 'mobilenet_v2';
/** Strides of blocks 0–13; block 13 is run only up to its expansion, the last tap. */
const STRIDES = [1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2] as const;
const TAP_BLOCKS = [3, 6, 13] as const;
const CHANNELS = [48, 96, 192] as const;

const blockName = (i: number): string => (i === 0 ? 'expanded_conv' : `block_${i}`);

/** Keras names of the convolutions used, each with its BatchNorm `<name>_BN` (`bn_Conv1` for the stem). */
function convNames(): string[] {
  const names = ['Conv1'];
  STRIDES.forEach((_, i) => {
    const b = blockName(i);
    if (i > 0) names.push(`${b}_expand`);
    if (i < 13) names.push(`${b}_depthwise`, `${b}_project`);
  });
  return names;
}

class MobileNetV2 implements Teacher {
  readonly name = 'mobilenet_v2' as const;
  readonly channels = CHANNELS;
  readonly strides = TEACHER_STRIDES;

  /** `store`: `<Keras conv name>.weight` and `.bias`, folded. */
  constructor(private readonly store: ParamStore) {}

  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const taps: tf.Tensor4D[] = [];
      // Keras MobileNetV2 expects RGB in [-1, 1].
      let h = this.conv('Conv1', tf.sub(tf.mul(x, 2), 1), 2, 'relu6');
      for (const [i, stride] of STRIDES.entries()) {
        const b = blockName(i);
        let y = h;
        if (i > 0) {
          y = this.conv(`${b}_expand`, y, 1, 'relu6');
          if ((TAP_BLOCKS as readonly number[]).includes(i)) taps.push(y);
          if (i === 13) break;
        }
        y = this.conv(`${b}_depthwise`, y, stride, 'relu6');
        y = this.conv(`${b}_project`, y, 1, 'linear');
        h = stride === 1 && h.shape[3] === y.shape[3] ? tf.add(h, y) : y;
      }
      return taps as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    });
  }

  /**
   * A folded convolution. At stride 2 Keras pads by one row and column at the bottom and right and
   * convolves 'valid', which for even sizes is 'same'.
   */
  private conv(name: string, x: tf.Tensor4D, stride: 1 | 2, activation: FrozenActivation): tf.Tensor4D {
    const w = this.store.get(`${name}.weight`) as tf.Tensor4D;
    const b = this.store.get(`${name}.bias`) as tf.Tensor1D;
    const even = x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0;
    const [input, pad] =
      w.shape[0] === 1
        ? [x, 0]
        : stride === 1
          ? [x, 1]
          : even
            ? [x, 'same' as const]
            : [
                tf.pad(x, [
                  [0, 0],
                  [0, 1],
                  [0, 1],
                  [0, 0],
                ]),
                'valid' as const,
              ];
    return name.endsWith('_depthwise')
      ? frozenDepthwiseConv(input, w, b, stride, pad, activation)
      : frozenConv(input, w, b, stride, pad, activation);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export async function loadMobileNetV2(read: ReadFile, onProgress?: LoadProgress): Promise<Teacher> {
  const { weights, get } = await readNamedWeights(read, LABEL, 'Keras MobileNetV2', onProgress);
  const store = new ParamStore();
  try {
    for (const name of convNames()) {
      const kernel = name.endsWith('_depthwise') ? 'depthwise_kernel' : 'kernel';
      const bn = kerasBatchNorm(get, name === 'Conv1' ? 'bn_Conv1' : `${name}_BN`);
      const { filter, bias } = foldBatchNorm(get(`${name}/${kernel}`) as tf.Tensor4D, bn);
      store.addParam(`${name}.weight`, filter, false);
      store.addParam(`${name}.bias`, bias, false);
    }
    const widths = TAP_BLOCKS.map((i) => store.get(`block_${i}_expand.weight`).shape[3]);
    if (widths.join() !== CHANNELS.join())
      throw new Error(
        `${LABEL}: taps of ${widths.join('/')} channels, not ${CHANNELS.join('/')}: not alpha 0.35`,
      );
    return new MobileNetV2(store);
  } catch (e) {
    store.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(weights));
  }
}
