/**
 * TF.js running a converted Keras layers model as saved, layer by layer: what the teachers, which
 * fold their BatchNorms and run their own forward passes, are checked against. Frees the input
 * size and cuts the model at named layers (the teacher taps).
 */
import * as tf from '@tensorflow/tfjs';

/** Keras JSON config of one layer (only the parts these helpers touch). */
export interface KerasLayerJson {
  class_name: string;
  name?: string;
  config: {
    name?: string;
    batch_input_shape?: (number | null)[];
    activation?: string;
    layers?: KerasLayerJson[];
  } & Record<string, unknown>;
}

/** The `model_config` (Keras >= 2.2 export) or the topology itself (older exports). */
export function modelConfig(json: tf.io.ModelJSON): KerasLayerJson {
  const topo = json.modelTopology as { model_config?: KerasLayerJson } & KerasLayerJson;
  return topo.model_config ?? topo;
}

/**
 * Sets every InputLayer of a functional config to [null, null, null, C], so the model accepts any
 * image size (the converted models were saved for 224x224; all their ops are size-agnostic up to
 * the global pooling).
 */
export function freeInputSize(cfg: KerasLayerJson): void {
  for (const layer of cfg.config.layers ?? []) {
    const shape = layer.config.batch_input_shape;
    if (layer.class_name === 'InputLayer' && shape) {
      layer.config.batch_input_shape = [null, null, null, shape[shape.length - 1]];
    }
  }
}

/** A model from `model`'s input to the outputs of the named layers (only that subgraph runs). */
export function tapModel(model: tf.LayersModel, names: readonly string[]): tf.LayersModel {
  const outputs = names.map((n) => model.getLayer(n).output as tf.SymbolicTensor);
  return tf.model({ inputs: model.inputs, outputs, name: `${model.name}_taps` });
}

/** Runs a layers model in inference mode on one input; returns its outputs as an array. */
export function applyEval(model: tf.LayersModel, x: tf.Tensor): tf.Tensor[] {
  const out = model.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/** The first functional model ("Model"/"Functional") nested anywhere in a Keras config. */
export function innerFunctional(cfg: KerasLayerJson): KerasLayerJson | null {
  if (cfg.class_name === 'Model' || cfg.class_name === 'Functional') return cfg;
  for (const layer of cfg.config.layers ?? []) {
    const found = innerFunctional(layer);
    if (found) return found;
  }
  return null;
}
