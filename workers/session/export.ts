// The model file commands: the whole model out as a checkpoint, and in again from one of ours or
// from the authors' PyTorch weights. A failed import leaves the current model as it was.
import * as Comlink from 'comlink';
import type { Teacher } from '../../src/core/backbones';
import { validateConfig } from '../../src/core/config';
import { checkModelFileSize, readModelFile } from '../../src/core/io/model-file';
import { encodeSession } from '../../src/core/pipeline/checkpoint';
import { detectTorchvisionArch, importReferenceWeights } from '../../src/core/pipeline/reference-import';
import { Session } from '../../src/core/pipeline/session';
import type { InputFile, SessionCommands } from '../session-api';
import { CancelledError } from '../tasks';
import { checkpointExtra } from './file-exports';
import { EXPORTING } from './recovery-guard';
import { guarded } from './recovery';
import {
  adoptTeacher,
  candidateTeacher,
  dropCandidate,
  info,
  newRun,
  persist,
  replaceSession,
  requireData,
  restore,
  type SessionContext,
  type SessionState,
} from './state';

type ExportCommands = Pick<
  SessionCommands,
  'exportCheckpoint' | 'importCheckpoint' | 'importReference' | 'loadTeacherWeights'
>;

/** An import failure says what happens next: nothing changed. Cancellation passes through as is. */
function importFailed(state: SessionState, e: unknown): never {
  if (!(e instanceof Error) || e instanceof CancelledError) throw e;
  const now = state.session ? 'the current model is unchanged' : 'there is still no model';
  e.message = `${e.message.replace(/\.?\s*$/, '.')} Nothing was imported; ${now}.`;
  throw e;
}

async function read(f: InputFile) {
  checkModelFileSize(f.path, f.file.size);
  return readModelFile(f.path, new Uint8Array(await f.file.arrayBuffer()));
}

export function exportCommands(ctx: SessionContext): ExportCommands {
  const { state, tasks } = ctx;
  const failed = (e: unknown): never => importFailed(state, e);
  return {
    async exportCheckpoint() {
      const bytes = await guarded(ctx, EXPORTING, (s) => encodeSession(s, checkpointExtra(state)));
      return Comlink.transfer(bytes, [bytes.buffer]);
    },

    async importCheckpoint(bytes, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const session = await restore(state, bytes, (d, t) =>
          task.progress(d, t, 'Loading the teacher'),
        ).catch(failed);
        replaceSession(state, session);
        state.run = newRun(state, session.config);
        state.run.step = session.stepsDone;
        state.run.targetStep = session.totalSteps;
        // A checkpoint of a run that reached its steps is a finished run; any other can train on.
        await persist(ctx, session.stepsDone >= session.totalSteps ? 'finished' : 'paused', true);
        return info(state);
      });
    },

    async importReference(files, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const data = requireData(state);
        // Everything up to adoptTeacher leaves the current teacher and session as they are.
        const build = async (): Promise<{ teacher: Teacher; session: Session }> => {
          task.progress(0, 3, 'Reading the checkpoint');
          const weights = await read(files.checkpoint);
          task.progress(1, 3, 'Reading the teacher weights');
          const teacherWeights = await read(files.teacher);
          const arch = detectTorchvisionArch(teacherWeights);
          const config = validateConfig({
            teacher: arch,
            model: 'dmgrd',
            imageSize: opts.imageSize ?? 256,
            memoryItems: opts.memoryItems ?? 30,
          });
          const teacher = await candidateTeacher(state, arch, undefined, teacherWeights);
          let session: Session | null = null;
          try {
            session = await Session.create(teacher, data, config, {
              onProgress: (d, t, m) => task.progress(d, t, m),
              signal: task.signal,
            });
            importReferenceWeights(session.net, weights);
            return { teacher, session };
          } catch (e) {
            session?.dispose();
            dropCandidate(state, teacher);
            throw e;
          }
        };
        const { teacher, session } = await build().catch(failed);
        adoptTeacher(state, teacher);
        state.teacherFile = { teacher, file: files.teacher };
        replaceSession(state, session);
        state.run = newRun(state, session.config);
        await persist(ctx, 'paused', true);
        return info(state);
      });
    },

    async loadTeacherWeights(file, opts) {
      return tasks.run(opts.taskId, async (task) => {
        task.progress(0, 2, 'Reading the teacher weights');
        const weights = await read(file);
        const arch = detectTorchvisionArch(weights);
        task.progress(1, 2, `Loading the ${arch} teacher`);
        const teacher = adoptTeacher(state, await candidateTeacher(state, arch, undefined, weights));
        state.teacherFile = { teacher, file };
        task.progress(2, 2, `Loaded the ${arch} teacher`);
        return { teacher: arch };
      });
    },
  };
}
