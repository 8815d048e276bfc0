/** The golden files (in ../shared/golden) whose forward passes the parity checks cover. */
export const PARITY_FILES: readonly string[] = [
  'backbone_resnet18.safetensors.gz',
  'backbone_resnet50.safetensors.gz',
  'ocbe_student_resnet18.safetensors.gz',
  'msff_resnet18.safetensors.gz',
  'memory_bank.safetensors',
  'losses.safetensors',
  'anomaly_map.safetensors',
];
