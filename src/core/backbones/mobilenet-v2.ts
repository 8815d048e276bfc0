/**
 * MobileNetV2 alpha 0.35, Keras ImageNet weights as exported by Teachable Machine. The export wraps
 * the Keras functional model in Sequentials with a user-trained head whose weights are not in the
 * file, so only the inner functional model is loaded. There is no ImageNet classifier: no classify().
 *
 * Taps: the expansion (ReLU6) outputs that open blocks 3, 6 and 13, i.e. the last full-resolution
 * features before each stride-2 block (48 / 96 / 192 channels at strides 4 / 8 / 16). The block
 * outputs at the same strides (block_2_add / block_5_add / block_12_add) have only 8 / 16 / 32
 * channels at alpha 0.35, fewer than the memory selection's top-k (k = L // 3 = 10) needs.
 */
import * as tf from '@tensorflow/tfjs';
import { readerIOHandler, type LoadProgress, type ReadFile } from './io-handler';
import { applyEval, freeInputSize, tapModel, type KerasLayerJson } from './keras-layers';
import { TEACHER_STRIDES, type Teacher } from './teacher';

const TAPS = ['block_3_expand_relu', 'block_6_expand_relu', 'block_13_expand_relu'] as const;

class MobileNetV2 implements Teacher {
  readonly name = 'mobilenet_v2' as const;
  readonly channels = [48, 96, 192] as const;
  readonly strides = TEACHER_STRIDES;

  constructor(
    private readonly full: tf.LayersModel,
    private readonly taps: tf.LayersModel,
  ) {}

  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      // Keras MobileNetV2 expects RGB in [-1, 1].
      const [a, b, c] = applyEval(this.taps, tf.sub(tf.mul(x, 2), 1)) as tf.Tensor4D[];
      return [a, b, c];
    });
  }

  dispose(): void {
    // The tap model shares the full model's layers; disposing the owner frees every weight once.
    this.full.dispose();
  }
}

/** The first functional model ("Model"/"Functional") nested anywhere in a Keras config. */
function innerFunctional(cfg: KerasLayerJson): KerasLayerJson | null {
  if (cfg.class_name === 'Model' || cfg.class_name === 'Functional') return cfg;
  for (const layer of cfg.config.layers ?? []) {
    const found = innerFunctional(layer);
    if (found) return found;
  }
  return null;
}

export async function loadMobileNetV2(read: ReadFile, onProgress?: LoadProgress): Promise<Teacher> {
  let inFile = new Set<string>();
  const full = await tf.loadLayersModel(
    readerIOHandler(read, {
      label: 'mobilenet_v2',
      onProgress,
      transform: (json) => {
        const topo = json.modelTopology as KerasLayerJson & { model_config?: KerasLayerJson };
        const inner = innerFunctional(topo.model_config ?? topo);
        if (!inner) throw new Error('mobilenet_v2: no functional MobileNetV2 inside model.json');
        freeInputSize(inner);
        inFile = new Set(json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name)));
        return { ...json, modelTopology: { ...topo, class_name: inner.class_name, config: inner.config } };
      },
    }),
    // The file also holds the head's weights, which the inner model has no variables for.
    { strict: false },
  );
  // Non-strict loading would leave a weight missing from the file randomly initialised.
  const missing = full.weights.filter((w) => !inFile.has(w.originalName)).map((w) => w.originalName);
  if (missing.length) {
    full.dispose();
    throw new Error(`mobilenet_v2: model.json lacks weights ${missing.slice(0, 5).join(', ')}`);
  }
  return new MobileNetV2(full, tapModel(full, TAPS));
}
