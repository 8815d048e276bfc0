// The model folder of a web scoring package: `model.json` says what the other files are and how
// an image is turned into the network's input, so detector.ts can rebuild exactly the app's model.
import type { TeacherName, TrainConfig } from '../core/config';

export const PACKAGE_FORMAT = 'dmgrd-web-package/1';

export interface PackageManifest {
  format: typeof PACKAGE_FORMAT;
  createdAt: string;
  /** Dataset category the model was trained on. */
  category: string;
  /** Optimiser steps the weights have had. */
  step: number;
  /** The run's configuration: model kind, teacher, input size, scoring options, seed. */
  config: TrainConfig;
  teacher: {
    name: TeacherName;
    channels: [number, number, number];
    /**
     * `tfjs`: the app's served TF.js model folder, copied to `teacher/` (model.json and shards).
     * `torch`: the torchvision state dict the run was given, as the file `teacher/<file>`.
     */
    format: 'tfjs' | 'torch';
    /** Files under `teacher/`, in the order they are read. */
    files: string[];
  };
  /** The trained network (MSFF, OCBE, student) in the app's own layouts: `weights.safetensors`. */
  weights: string;
  /** The normal memory bank (`memory.normal.l<level>.maps|means`), null for plain RD. */
  memory: { file: string; sources: string[] } | null;
  preprocessing: {
    /** Images are first resized to this square (the dataset's stored size), then rounded to 8 bits. */
    storedSize: number;
    /** Then resized to the network's input. */
    imageSize: number;
    description: string;
  };
  thresholds: {
    /** Image score at or above which an image is anomalous (the one chosen in the app). */
    image: number;
    /** Map value above which a pixel is anomalous. */
    pixel: number;
  };
  /** Range of the evaluation's maps: the colour scale of the app's heat maps. */
  mapRange: { min: number; max: number } | null;
}

export const PREPROCESSING =
  'Decoded without colour management to 8-bit RGB, resized (bilinear with antialiasing, as PIL) to storedSize, rounded to 8 bits, then resized (bilinear) to imageSize; the teacher normalises its input itself.';
