import type { TeacherName } from '../config';
import type { BlockKind } from '../nn/resblock';

/**
 * Shape of RD's OCBE (`BN_layer`) and reverse student (`de_resnet*`) for one teacher.
 * `channels` are the teacher's three tap widths; `layers` the ResNet block counts
 * [layer1, layer2, layer3, layer4]: the decoder's layer1..3 (widest first) use layers[0..2] and the
 * OCBE's residual stage uses layers[3] — exactly how RD builds BN_layer(block, layers[3]) and
 * de_resnet(block, layers) from one torchvision layer list.
 */
export interface RdConfig {
  block: BlockKind;
  layers: readonly [number, number, number, number];
  channels: readonly [number, number, number];
  /** Bottleneck inner width = planes·widthPerGroup/64 (128 for wide_resnet50_2). */
  widthPerGroup: number;
}

export const RD_CONFIGS = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2], channels: [64, 128, 256], widthPerGroup: 64 },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3], channels: [64, 128, 256], widthPerGroup: 64 },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3], channels: [256, 512, 1024], widthPerGroup: 64 },
  wide_resnet50_2: {
    block: 'bottleneck',
    layers: [3, 4, 6, 3],
    channels: [256, 512, 1024],
    widthPerGroup: 128,
  },
} as const satisfies Record<string, RdConfig>;

/**
 * A "mirrored decoder with matching channels" for teachers that are not ResNets (EfficientNet-B0
 * [24,40,112], MobileNetV2-0.35 [48,96,192]): BasicBlocks (expansion 1) with the teacher's own
 * widths and resnet18's depth, so the OCBE emits 2·c3 channels at stride 32 and decoder layer k
 * mirrors teacher tap k.
 */
export function mirroredRdConfig(channels: readonly [number, number, number]): RdConfig {
  return {
    block: 'basic',
    layers: [2, 2, 2, 2],
    channels: [channels[0], channels[1], channels[2]],
    widthPerGroup: 64,
  };
}

/** The OCBE/student shape used with a teacher: RD's own for torchvision ResNets, mirrored otherwise. */
export function rdConfigFor(teacher: TeacherName, channels: readonly [number, number, number]): RdConfig {
  switch (teacher) {
    case 'resnet18':
    case 'resnet34':
    case 'wide_resnet50_2':
      return RD_CONFIGS[teacher];
    case 'resnet50': // the Keras ResNet50 has torchvision's tap widths, so de_resnet50 fits it
      return RD_CONFIGS.resnet50;
    default:
      return mirroredRdConfig(channels);
  }
}

/** Channels of the OCBE output (the decoder's input): RD's 512·expansion = 2·c3. */
export function ocbeChannels(cfg: RdConfig): number {
  return 2 * cfg.channels[2];
}
