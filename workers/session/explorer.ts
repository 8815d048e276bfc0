// The memory explorer: for one test image, what each memory bank holds and which item it selects.
import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../src/core/data/image';
import { selectFromBank, type Levels } from '../../src/core/model/dmgrd';
import { diffBankK, similarities, type MemoryBank } from '../../src/core/model/memory-bank';
import { toBatch, toRgb } from '../../src/core/pipeline/dataset';
import type { ModelSession } from '../../src/core/pipeline/model-session';
import type { BankExploration, MemoryExploration, SessionCommands } from '../session-api';
import { EXPLORING } from './recovery-guard';
import { guarded } from './recovery';
import { requireData, type SessionContext } from './state';

export function explorerCommands(ctx: SessionContext): Pick<SessionCommands, 'explore'> {
  return {
    async explore(testIndex) {
      const data = requireData(ctx.state);
      const t = data.test[testIndex];
      if (!t) throw new Error(`No test image ${testIndex}.`);
      return guarded(ctx, EXPLORING, (s) => exploreImage(s, toRgb(t, data.size), testIndex));
    },
  };
}

/** The memory explorer's view of one test image: what each bank holds and selects for it. */
async function exploreImage(s: ModelSession, image: RgbImage, testIndex: number): Promise<MemoryExploration> {
  if (s.kind === 'patchcore')
    throw new Error(
      'PatchCore keeps training patches, not memory banks of images: there are no banks to explore.',
    );
  const banks = s.banks;
  if (!banks) throw new Error('Plain RD has no memory banks to explore.');
  const x = toBatch([image], s.config.imageSize);
  const feats = tf.tidy(() => s.teacher.features(x)) as Levels;
  try {
    const normal = await exploreBank(banks.normal, feats, s.config.paperSelect);
    const abnormal = await exploreBank(banks.abnormal, feats, s.config.paperSelect);
    const k = diffBankK(banks.normal);
    const degenerate = s.config.paperSelect
      ? null
      : {
          reachableSlots: [k - 1, 2 * k - 1, 3 * k - 1],
          message:
            `Reference selection: the argmin runs over each level's sorted top-${k} values, so it can only pick ` +
            `slots ${k - 1}, ${2 * k - 1} or ${3 * k - 1}, whatever the image. Switch on "Paper: select the nearest memory item" to select by similarity.`,
        };
    return { testIndex, normal, abnormal, degenerate };
  } finally {
    tf.dispose([x, ...feats]);
  }
}

async function exploreBank(bank: MemoryBank, feats: Levels, paper: boolean): Promise<BankExploration> {
  const sim = similarities(bank, feats);
  const sel = selectFromBank(bank, feats, paper);
  try {
    const levels = await Promise.all(
      sim.levels.map(async (l) => ({
        h: l.maps.shape[2],
        w: l.maps.shape[3],
        cos: (await l.maps.data()) as Float32Array,
      })),
    );
    const difference = await Promise.all(
      sel.inputs.map(async (input) => {
        const [, h, w, c2] = input.shape;
        const d = tf.tidy(() => tf.sum(tf.slice(input, [0, 0, 0, c2 / 2], [1, h, w, c2 / 2]), 3));
        const map = (await d.data()) as Float32Array;
        d.dispose();
        return { h, w, map };
      }),
    );
    return {
      sources: bank.sources,
      image: Array.from(await sim.image.data()),
      levels,
      selected: (await sel.index.data())[0],
      ranking: Array.from(await sel.ranking.data()),
      difference,
    };
  } finally {
    tf.dispose([
      sim.image,
      ...sim.levels.flatMap((l) => [l.maps, l.image, l.global]),
      sel.index,
      sel.ranking,
      ...sel.inputs,
    ]);
  }
}
