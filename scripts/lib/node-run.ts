import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmKernels } from '../../src/core/kernels/wasm';
import { loadTeacher } from '../../src/core/backbones';
import type { Teacher } from '../../src/core/backbones/teacher';
import { validateConfig, type TrainConfig } from '../../src/core/config';
import { decodeSession, encodeSession, restoreTraining } from '../../src/core/pipeline/checkpoint';
import type { DatasetImages } from '../../src/core/pipeline/dataset';
import { presetConfig, PRESET_NAMES, type PresetName } from '../../src/core/presets';
import { Session } from '../../src/core/pipeline/session';
import { parseConfigFlags } from './config-flags';
import { loadMvtecFolder, loadTextureFolder, type Fit } from './node-dataset';
import { dirReader } from './dir-reader';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeRun {
  config: TrainConfig;
  /** The script's own flags (not CONFIG_SCHEMA options). */
  extra: Record<string, string>;
  data: DatasetImages;
  teacher: Teacher;
  session: Session;
}

/**
 * The trained session a study script looks at, on WASM in Node: `--data` (and `--textures`),
 * `--preset` and any CONFIG_SCHEMA option as in train-node, `--fit stretch|pad` for how non-square
 * images become square. Trains `config.steps` steps (then `--save <file>` keeps the run), or
 * `--load <file>` restores a saved run instead, so one training serves many studies.
 */
export async function openNodeRun(argv: readonly string[]): Promise<NodeRun> {
  const { config: flags, extra } = parseConfigFlags(argv);
  if (!extra.data) throw new Error('--data <MVTec category folder> is required');
  const preset = extra.preset as PresetName | undefined;
  if (preset && !PRESET_NAMES.includes(preset))
    throw new Error(`--preset: one of ${PRESET_NAMES.join(', ')}`);
  const fit = (extra.fit ?? 'stretch') as Fit;
  if (fit !== 'stretch' && fit !== 'pad') throw new Error('--fit: stretch or pad');
  const config = validateConfig({ ...(preset ? presetConfig(preset) : {}), ...flags });
  setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  installWasmKernels();
  await tf.setBackend('wasm');
  const data = loadMvtecFolder(resolve(extra.data), config.imageSize, { fit });
  if (extra.textures) data.textures = loadTextureFolder(resolve(extra.textures), config.imageSize);
  const teacher = await loadTeacher(config.teacher, dirReader(join(ROOT, 'public/teachers', config.teacher)));
  const session = await Session.create(teacher, data, config);
  console.log(`fit ${fit}; config ${JSON.stringify(config)}`);

  if (extra.load) {
    restoreTraining(session, decodeSession(new Uint8Array(readFileSync(resolve(extra.load)))));
    console.log(`loaded ${extra.load} at step ${session.trainer.step}`);
    return { config, extra, data, teacher, session };
  }
  const t0 = performance.now();
  for (let i = 0; i < config.steps; i++) {
    const r = await session.step();
    if (r.step % 50 === 0 || r.step === config.steps)
      console.log(
        `step ${r.step} kd ${r.loss.kd.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
  }
  if (extra.save) {
    writeFileSync(resolve(extra.save), await encodeSession(session, {}, { optimizer: true }));
    console.log(`saved ${extra.save}`);
  }
  return { config, extra, data, teacher, session };
}
