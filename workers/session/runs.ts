// The saved runs: listed, deleted, or opened from their last checkpoint on their own dataset.
import { datasetProblem } from '../../src/core/data/fingerprint';
import type { SessionCommands } from '../session-api';
import * as runsDb from './runs-db';
import { info, replaceSession, restore, type SessionContext } from './state';

export function runsCommands({
  state,
  tasks,
}: SessionContext): Pick<SessionCommands, 'listRuns' | 'deleteRun' | 'openRun'> {
  return {
    async listRuns() {
      return runsDb.listRuns();
    },

    async deleteRun(id) {
      await runsDb.deleteRun(id);
    },

    async openRun(id, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const { record, checkpoint: bytes } = await runsDb.getRunWithCheckpoint(id);
        if (!record) throw new Error('That run no longer exists.');
        if (!bytes) throw new Error('That run has no saved checkpoint to open.');
        const wrong = datasetProblem(record.datasetFingerprint, state.summary?.fingerprint);
        if (wrong) throw new Error(`This run cannot be opened on the loaded dataset: ${wrong}.`);
        const session = await restore(state, bytes, (d, t) => task.progress(d, t, 'Loading the teacher'));
        replaceSession(state, session);
        record.history = record.history.filter((r) => r.step <= session.stepsDone);
        state.run = record;
        return info(state);
      });
    },
  };
}
