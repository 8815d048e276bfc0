/** Teacher factory: the worker and the tests load every teacher through here. */
import type { TeacherName } from '../config';
import type { NamedArray } from '../io/safetensors';
import { loadEfficientNetB0 } from './efficientnet-b0';
import { fetchReader, type LoadProgress, type ReadFile } from './io-handler';
import { loadKerasResNet50 } from './keras-resnet50';
import { loadMobileNetV2 } from './mobilenet-v2';
import { ResNetTeacher } from './resnet';
import type { Teacher } from './teacher';

export type { Teacher } from './teacher';
export { TEACHER_STRIDES } from './teacher';
export { fetchReader, type LoadProgress, type ReadFile } from './io-handler';

export interface LoadTeacherOptions {
  /** Bytes of weight shards read so far / in total (TF.js teachers). */
  onProgress?: LoadProgress;
  /**
   * A torchvision state dict (from readPth / readSafetensors) for resnet18 / resnet34 /
   * wide_resnet50_2, whose weights cannot be fetched here; `prefix` selects a sub-dict.
   */
  torchWeights?: Map<string, NamedArray>;
  torchPrefix?: string;
}

/** Where the app serves each TF.js teacher's model folder (filled by `npm run weights`). */
export function teacherUrl(name: TeacherName, base = '/teachers/'): string {
  return `${base}${name}/`;
}

function loadTorchvision(
  name: 'resnet18' | 'resnet34' | 'wide_resnet50_2',
  options: LoadTeacherOptions,
): Teacher {
  if (!options.torchWeights) {
    throw new Error(
      `teacher ${name}: no weights are served for it; import a torchvision checkpoint (.pth / .safetensors) first`,
    );
  }
  return ResNetTeacher.fromTorch(name, options.torchWeights, options.torchPrefix);
}

/**
 * Loads a teacher. For the TF.js teachers `read` reads files of that teacher's model folder by
 * relative path ('model.json', shard names); in the browser use `fetchReader(teacherUrl(name))`.
 * The torchvision ResNets ignore `read` and take `options.torchWeights`.
 */
export async function loadTeacher(
  name: TeacherName,
  read: ReadFile,
  options: LoadTeacherOptions = {},
): Promise<Teacher> {
  switch (name) {
    case 'resnet50':
      return loadKerasResNet50(read, options.onProgress);
    case 'efficientnet_b0':
      return loadEfficientNetB0(read, options.onProgress);
    case 'mobilenet_v2':
      return loadMobileNetV2(read, options.onProgress);
    case 'resnet18':
    case 'resnet34':
    case 'wide_resnet50_2':
      return loadTorchvision(name, options);
  }
}

/** For the worker: loads `name` from the app's static `/teachers/<name>/` folder. */
export function loadTeacherFromUrl(
  name: TeacherName,
  options: LoadTeacherOptions & { base?: string } = {},
): Promise<Teacher> {
  return loadTeacher(name, fetchReader(teacherUrl(name, options.base)), options);
}
