import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config';
import type { Teacher } from '../backbones/teacher';
import { reconstruct, type Banks, type Levels, type Network } from '../model/dmgrd';
import { EVAL, type Mode } from '../nn/params';
import { scoreBatch } from '../scoring/anomaly-map';
import { withFilterCache } from '../kernels/filter-cache';

export interface ImageScores {
  maps: tf.Tensor3D; // [N,S,S] blurred anomaly maps
  scores: tf.Tensor1D; // [N] image scores
  selected: tf.Tensor1D | null; // [N] normal-bank slot each image selected (DM-GRD), else null
}

export type ScoringConfig = Pick<TrainConfig, 'imageSize' | 'paperSelect' | 'mapSigma' | 'imageScoreTopK'>;

/**
 * The app's whole scoring path in eval mode: teacher features, memory select (DM-GRD), MSFF, OCBE,
 * student, anomaly map, blur, image score. The session, the speed benchmark and the inference probe
 * all score through here, so what the benchmark times is what the user runs. The caller owns the
 * returned tensors; every intermediate is freed. `mode` other than EVAL is for diagnosis only (e.g.
 * each batch normalised with its own statistics).
 */
export function scoreImages(
  model: { teacher: Teacher; net: Network; banks: Banks | null },
  x: tf.Tensor4D, // [N,S,S,3], S = config.imageSize
  config: ScoringConfig,
  mode: Mode = EVAL,
): ImageScores {
  const s = config.imageSize;
  const [maps, scores, selected] = withFilterCache(() =>
    tf.tidy(() => {
      const feats = model.teacher.features(x) as Levels;
      const { student, selected } = reconstruct(model.net, model.banks, feats, {
        paperSelect: config.paperSelect,
        mode,
      });
      const scored = scoreBatch(feats, student, {
        outH: s,
        outW: s,
        sigma: config.mapSigma,
        topK: config.imageScoreTopK,
      });
      return selected ? [scored.blurred, scored.score, selected] : [scored.blurred, scored.score];
    }),
  );
  return {
    maps: maps as tf.Tensor3D,
    scores: scores as tf.Tensor1D,
    selected: (selected as tf.Tensor1D | undefined) ?? null,
  };
}

export function disposeScores(r: ImageScores): void {
  tf.dispose([r.maps, r.scores, ...(r.selected ? [r.selected] : [])]);
}
