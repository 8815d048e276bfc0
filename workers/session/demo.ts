// The live camera demo: one frame at a time, scored by the current model and scaled like the
// last evaluation's test images.
import * as Comlink from 'comlink';
import type { ModelSession } from '../../src/core/pipeline/model-session';
import type { SessionCommands } from '../session-api';
import { frameReference, frameToRgb } from './demo-dataset';
import { SCORING } from './recovery-guard';
import { guardFor, settledSession } from './recovery';
import type { SessionContext } from './state';

type Score = Awaited<ReturnType<ModelSession['score']>>;

export function demoCommands(ctx: SessionContext): Pick<SessionCommands, 'scoreFrame'> {
  const { state } = ctx;
  return {
    async scoreFrame(frame) {
      const t0 = performance.now();
      // Frames that arrive while a recovery runs wait for it instead of starting another one.
      let s: ModelSession;
      try {
        s = await settledSession(ctx);
      } catch (e) {
        frame.close();
        throw e;
      }
      let rgb: ReturnType<typeof frameToRgb>;
      try {
        rgb = frameToRgb(frame, s.config.imageSize);
      } finally {
        frame.close();
      }
      const scoreOn = (session: ModelSession): Promise<Score> => session.score([rgb]);
      const guard = guardFor(ctx, SCORING);
      const before = { session: s, step: s.stepsDone, evaluation: state.evaluation };
      let r: Score;
      if (guard) ({ value: r, session: s } = await guard.complete(s, scoreOn));
      else r = await scoreOn(s);
      // Restored at the step it was evaluated at, the model is the evaluated one: its evaluation
      // still scales the live heatmap.
      const restored = s !== before.session;
      if (restored && !state.evaluation && s.stepsDone === before.step) state.evaluation = before.evaluation;
      const reference = state.evaluation ? frameReference(state.evaluation) : null;
      const out = {
        map: r.maps,
        size: s.config.imageSize,
        score: r.scores[0],
        ms: performance.now() - t0,
        reference,
      };
      return Comlink.transfer(out, [out.map.buffer]);
    },
  };
}
