// The synthetic-anomaly preview: each stage of one generated anomaly on a training image.
import * as Comlink from 'comlink';
import { validateConfig } from '../../src/core/config';
import { toRgb } from '../../src/core/pipeline/dataset';
import { synthesizeAnomaly } from '../../src/core/synth/anomaly';
import { Rng } from '../../src/core/synth/rng';
import { proceduralTexture } from '../../src/core/synth/textures';
import type { SessionCommands } from '../session-api';
import { grayToBitmap, rgbToBitmap } from './decode';
import { requireData, type SessionContext } from './state';

export function syntheticCommands({ state }: SessionContext): Pick<SessionCommands, 'synthPreview'> {
  return {
    async synthPreview(opts) {
      const data = requireData(state);
      const img = data.train[opts.index];
      if (!img) throw new Error(`No training image ${opts.index}.`);
      const config = state.session?.config ?? validateConfig({});
      const source = toRgb(img, data.size);
      const rng = new Rng(opts.seed);
      const texture = data.textures.length ? data.textures[rng.int(0, data.textures.length)] : undefined;
      const r = synthesizeAnomaly(source, texture ?? proceduralTexture(data.size, data.size, rng), rng, {
        paperLambda: config.paperLambda,
        paperBeta: config.paperBeta,
        beta: opts.beta,
        lam: opts.lam,
      });
      const bitmaps = await Promise.all([
        rgbToBitmap(source),
        rgbToBitmap(r.stages.texture),
        rgbToBitmap(r.stages.fourierMix),
        grayToBitmap(r.mask, data.size, data.size),
        rgbToBitmap(r.image),
      ]);
      const [src, tex, fm, mask, result] = bitmaps;
      return Comlink.transfer(
        {
          source: src,
          texture: tex,
          fourierMix: fm,
          perlinMask: mask,
          result,
          beta: r.stages.beta,
          lam: r.stages.lam,
          perlinRes: r.stages.perlinRes,
          angleDeg: r.stages.perlinAngleDeg,
        },
        bitmaps,
      );
    },
  };
}
