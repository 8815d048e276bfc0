import type { TeacherName } from '../config';
import type { NamedArray } from '../io/safetensors';
import type { Network } from '../model/dmgrd';
import { studentTransposedConvs } from '../model/student';
import { loadTorchWeights } from '../nn/torch-weights';

/**
 * Loads a checkpoint written by the authors' PyTorch code (`best_model.pt`: the state dicts of
 * `msff`, `student` and `bn` (OCBE), flattened by readPth to `msff.…`, `student.…`, `bn.…`) into a
 * network built for the same teacher. Strict: every missing or mis-shaped key is listed, so a
 * checkpoint of another backbone says which. The memory banks are not in such a file: the reference
 * rebuilds them from training images at start-up, and so does the playground.
 */
export function importReferenceWeights(net: Network, weights: Map<string, NamedArray>): void {
  if (net.kind !== 'dmgrd')
    throw new Error('A reference DM-GRD checkpoint needs the DM-GRD model, not plain RD.');
  const groups = ['msff', 'bn', 'student'] as const;
  const missing = groups.filter((g) => ![...weights.keys()].some((k) => k.startsWith(`${g}.`)));
  if (missing.length) {
    throw new Error(
      `This file is not a DM-GRD reference checkpoint: it has no ${missing.join(', ')} weights (expected the msff, student and bn state dicts of best_model.pt).`,
    );
  }
  const studentTransposed = studentTransposedConvs(net.rd);
  loadTorchWeights(net.store, weights, {
    transposed: (name) => name.startsWith('student.') && studentTransposed.has(name.slice('student.'.length)),
    ignore: (name) => name.endsWith('num_batches_tracked'),
    label: `DM-GRD (${net.teacher} teacher)`,
  });
}

/**
 * The torchvision ResNet a state dict belongs to, from its shapes: Bottleneck blocks have conv3,
 * wide_resnet50_2 doubles the inner width (layer1.0.conv1 has 128 outputs instead of 64), and
 * resnet34 has six layer3 blocks where resnet18 has two.
 */
export function detectTorchvisionArch(weights: Map<string, NamedArray>): TeacherName {
  const conv1 = weights.get('layer1.0.conv1.weight');
  if (!conv1) throw new Error('This file is not a torchvision ResNet state dict (no layer1.0.conv1.weight).');
  if (weights.has('layer1.0.conv3.weight')) {
    if (conv1.shape[0] === 128) return 'wide_resnet50_2';
    throw new Error(
      'A torchvision ResNet50 checkpoint: use the built-in Keras ResNet50 teacher, or a wide_resnet50_2 file.',
    );
  }
  return weights.has('layer3.5.conv1.weight') ? 'resnet34' : 'resnet18';
}
