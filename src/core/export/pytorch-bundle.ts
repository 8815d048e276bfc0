import { concatParts, StoredZipWriter } from '../io/zip-writer';
import type { MemoryBank } from '../model/memory-bank';
import { encodeMemoryBanks, encodeReferenceCheckpoint } from '../pipeline/reference-export';
import type { Session } from '../pipeline/session';
import { planOf, safeName, type ExportItem, type ExportPlan } from './plan';

/**
 * "Export for PyTorch": one zip laid out as the authors' `test.py` expects its checkpoint folder,
 * `<category>/best_model.pt`, with the memory banks beside it (`<category>/memory_banks.safetensors`)
 * and a README that says how to load both.
 */

export interface PytorchBundleInput {
  session: Session;
  /** Dataset category (the folder name test.py looks for). */
  category: string;
  /** Paths of the training images, by dataset index (the banks' sources). */
  trainPaths: readonly string[];
}

/** Bytes per storage beyond its data in best_model.pt: pickle entry, zip headers, alignment. */
const PT_OVERHEAD_PER_TENSOR = 300;

export function pytorchFileName(input: PytorchBundleInput): string {
  const c = input.session.config;
  return `${safeName(input.category)}-${c.model}-${c.teacher}-step${input.session.trainer.step}-pytorch.zip`;
}

function bankBytes(bank: MemoryBank): number {
  return bank.levels.reduce((n, l) => n + 4 * (l.maps.size + l.means.size), 0);
}

function folder(input: PytorchBundleInput): string {
  return safeName(input.category);
}

export function pytorchPlan(input: PytorchBundleInput): ExportPlan {
  const { session } = input;
  if (session.net.kind !== 'dmgrd' || !session.banks)
    throw new Error(
      'The PyTorch export writes a DM-GRD reference checkpoint (msff, student, bn): plain RD has no MSFF or memory banks.',
    );
  const entries = session.net.store.entries();
  const batchNorms = entries.filter(([n]) => n.endsWith('.running_var')).length;
  const values = entries.reduce((n, [, v]) => n + v.size, 0);
  const l = session.banks.normal.sources.length;
  const dir = folder(input);
  const items: ExportItem[] = [
    {
      path: `${dir}/best_model.pt`,
      bytes: 4 * values + 8 * batchNorms + PT_OVERHEAD_PER_TENSOR * (entries.length + batchNorms),
      approximate: true,
      what: `torch.save of the msff, student and bn state dicts (${session.net.store.count().toLocaleString('en')} parameters, torch names and layouts), as the reference's best_model.pt`,
    },
    {
      path: `${dir}/memory_banks.safetensors`,
      bytes: bankBytes(session.banks.normal) + bankBytes(session.banks.abnormal) + 4096,
      approximate: true,
      what: `both memory banks (2 × ${l} items × 3 teacher levels, NCHW) under the reference MemoryBank's names, with the source image paths`,
    },
    { path: 'README.txt', bytes: README_BYTES.length, approximate: false, what: 'how to load both files' },
  ];
  return planOf('pytorch', pytorchFileName(input), items);
}

export async function writePytorchBundle(
  input: PytorchBundleInput,
  onProgress: (done: number, total: number) => void | Promise<void>,
): Promise<Uint8Array[]> {
  const { session } = input;
  const plan = pytorchPlan(input);
  const total = plan.totalBytes;
  const model = await encodeReferenceCheckpoint(session.net, {
    steps: session.trainer.step,
    onProgress: (done) => onProgress(done, total),
  });
  const sourcePaths = (indices: number[]) => indices.map((i) => input.trainPaths[i] ?? `train/${i}`);
  const banks = session.banks!;
  const memory = await encodeMemoryBanks(banks, {
    normal: sourcePaths(banks.normal.sources),
    abnormal: sourcePaths(banks.abnormal.sources),
    teacher: session.config.teacher,
    imageSize: session.config.imageSize,
  });
  await onProgress(total - 1, total);
  // best_model.pt goes in as one entry: torch reads it as a file of its own once unzipped.
  const zip = new StoredZipWriter();
  const dir = folder(input);
  zip.add(`${dir}/best_model.pt`, concatParts(model));
  zip.add(`${dir}/memory_banks.safetensors`, memory);
  zip.add('README.txt', README_BYTES);
  return zip.finish();
}

const README = `DM-GRD model exported by the DM-GRD Playground for the authors' PyTorch code
(github.com/SKKUAutoLab/DM-GRD).

<category>/best_model.pt
  torch.save({'msff': ..., 'student': ..., 'bn': ...}) like the reference's own checkpoint.
  Their test.py loads it with --checkpoint_folder <this folder>:
    ckp = torch.load('<category>/best_model.pt', map_location='cpu')
    bn.load_state_dict(ckp['bn']); student.load_state_dict(ckp['student']); msff.load_state_dict(ckp['msff'])
  The teacher is not in the file: use the same torchvision weights the playground used.
  The reference's MSFF() is built for wide_resnet50_2; for resnet18/34 every MSFF channel count is /4.

<category>/memory_banks.safetensors
  The memory banks the model was trained and evaluated with. The reference rebuilds its banks
  from random training images at start-up; to score exactly as the playground did, set them:
    from safetensors.torch import load_file   (or any safetensors reader)
    t = load_file('<category>/memory_banks.safetensors')
    for l in range(3):
      memory_bank_normal.normal_memory_information[f'level{l}'] = t[f'memory_bank_normal.normal_memory_information.level{l}']
      memory_bank_normal.update_normal_memory_information[f'level{l}'] = t[f'memory_bank_normal.update_normal_memory_information.level{l}']
    (likewise memory_bank_abnormal.*abnormal* to continue training)
  The file's metadata lists the source image of every slot (normal_sources, abnormal_sources);
  abnormal items are synthetic anomalies of those images.
`;

const README_BYTES = new TextEncoder().encode(README);
