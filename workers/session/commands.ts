import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { fetchReader, loadTeacher, teacherUrl, type Teacher } from '../../src/core/backbones';
import { validateConfig, type TeacherName } from '../../src/core/config';
import type { Problem } from '../../src/core/data/layout';
import { selectFromBank, type Levels } from '../../src/core/model/dmgrd';
import { diffBankK, similarities, type MemoryBank } from '../../src/core/model/memory-bank';
import { decodeSession, encodeSession } from '../../src/core/pipeline/checkpoint';
import { toBatch, toRgb, type DatasetImages } from '../../src/core/pipeline/dataset';
import { Session, type Evaluation } from '../../src/core/pipeline/session';
import { Rng } from '../../src/core/synth/rng';
import { synthesizeAnomaly } from '../../src/core/synth/anomaly';
import { proceduralTexture } from '../../src/core/synth/textures';
import type { RgbImage } from '../../src/core/data/image';
import { resizeMask, resizeRgb } from '../../src/core/data/resize';
import type { StepReport } from '../../src/core/train/trainer';
import type { EngineEvent } from '../engine-api';
import { checkModelFileSize, readModelFile } from '../../src/core/io/model-file';
import type { NamedArray } from '../../src/core/io/safetensors';
import { detectTorchvisionArch, importReferenceWeights } from '../../src/core/pipeline/reference-import';
import type {
  BankExploration,
  InputFile,
  DatasetSummary,
  MemoryExploration,
  EvaluationSummary,
  MetricsSummary,
  RunRecord,
  SessionCommands,
  SessionInfo,
} from '../session-api';
import { CancelledError, type TaskRegistry } from '../tasks';
import { loadDatasetFiles, loadTextureFiles } from './dataset-loader';
import { frameReference, frameToRgb, loadDemo } from './demo-dataset';
import { grayToBitmap, rgbToBitmap } from './decode';
import * as runsDb from './runs-db';
import { DeviceLostError, wasmPreflight } from '../recovery-policy';
import {
  EVALUATION,
  EXPLORING,
  EXPORTING,
  RecoveryGate,
  SCORING,
  TRAINING,
  RecoveryGuard,
  type BackendControl,
  type GuardOptions,
} from './recovery-guard';

/** Everything the session commands hold between calls. Only the worker owns tensors. */
interface State {
  data: DatasetImages | null;
  summary: DatasetSummary | null;
  teacher: Teacher | null;
  session: Session | null;
  run: RunRecord | null;
  evaluation: Evaluation | null;
}

const CHECKPOINT_EVERY = 50;

type Score = Awaited<ReturnType<Session['score']>>;

/**
 * `backend` lets training recover from a lost GPU or an out-of-memory step, and evaluation and live
 * scoring from a lost GPU (recovery-guard.ts); without it (Node tests) such a failure ends the call.
 */
export function createSessionCommands(
  tasks: TaskRegistry,
  emit: (e: EngineEvent) => void,
  backend?: BackendControl,
): SessionCommands {
  /** Whether the current dataset is the user's (not the generated demo), and user loads in flight. */
  let userDataset = false;
  let userLoads = 0;
  const state: State = {
    data: null,
    summary: null,
    teacher: null,
    session: null,
    run: null,
    evaluation: null,
  };

  const requireData = (): DatasetImages => {
    if (!state.data || state.data.train.length === 0)
      throw new Error('Load a dataset with training images first.');
    return state.data;
  };
  const requireSession = (): Session => {
    if (!state.session) throw new Error('No model yet: start training or import a checkpoint first.');
    return state.session;
  };

  /**
   * The teacher `name`: the loaded one when it matches (and no new torchvision weights are given),
   * else a freshly loaded one that is not installed yet, so the current session keeps working until
   * `adoptTeacher` runs once the new session is built: a failed import changes nothing.
   */
  async function candidateTeacher(
    name: TeacherName,
    onProgress?: (done: number, total: number) => void,
    torchWeights?: Map<string, NamedArray>,
  ): Promise<Teacher> {
    if (state.teacher?.name === name && !torchWeights) return state.teacher;
    const base = `${import.meta.env.BASE_URL}teachers/`;
    return loadTeacher(name, fetchReader(teacherUrl(name, base)), { onProgress, torchWeights });
  }

  /** Makes a candidate teacher current, freeing the previous teacher and the session built on it. */
  function adoptTeacher(teacher: Teacher): Teacher {
    if (teacher === state.teacher) return teacher;
    state.session?.dispose();
    state.session = null;
    state.evaluation = null;
    state.teacher?.dispose();
    state.teacher = teacher;
    return teacher;
  }

  /** Frees a candidate teacher that was not adopted (the import using it failed). */
  function dropCandidate(teacher: Teacher): void {
    if (teacher !== state.teacher) teacher.dispose();
  }

  /** The loaded teacher, reloaded when another is asked for or new torchvision weights are given. */
  async function teacherFor(
    name: TeacherName,
    onProgress?: (done: number, total: number) => void,
    torchWeights?: Map<string, NamedArray>,
  ): Promise<Teacher> {
    if (state.teacher?.name === name && !torchWeights) return state.teacher;
    // Creating a session replaces the current one anyway: free it before loading the new teacher.
    state.session?.dispose();
    state.session = null;
    state.teacher?.dispose();
    state.teacher = null;
    return adoptTeacher(await candidateTeacher(name, onProgress, torchWeights));
  }

  function replaceSession(session: Session): void {
    if (state.session && state.session !== session) state.session.dispose();
    state.session = session;
    state.evaluation = null;
  }

  function info(): SessionInfo {
    const s = requireSession();
    return {
      runId: state.run?.id ?? '',
      config: s.config,
      step: s.trainer.step,
      parameters: s.net.store.count(),
      teacherChannels: [...s.teacher.channels] as [number, number, number],
      memorySources: s.banks ? { normal: s.banks.normal.sources, abnormal: s.banks.abnormal.sources } : null,
      notes: [...s.trainer.notes],
    };
  }

  /** Saves the run record (and a checkpoint); false when storage failed (already reported as a log event). */
  async function persist(status: RunRecord['status'], withCheckpoint: boolean): Promise<boolean> {
    const s = state.session;
    const run = state.run;
    if (!s || !run) return false;
    run.step = s.trainer.step;
    run.status = status;
    run.updatedAt = Date.now();
    const bytes = withCheckpoint
      ? await encodeSession(s, { dataset: run.dataset }, { optimizer: true })
      : undefined;
    // Reads from a lost device can resolve with zeros: such a checkpoint must not replace a good one.
    const lost = backend?.lost();
    if (bytes && lost) throw new DeviceLostError(lost);
    try {
      const stored = await runsDb.saveRun(structuredClone(run), bytes);
      run.hasCheckpoint = stored.hasCheckpoint;
      run.checkpointStep = stored.checkpointStep;
      return true;
    } catch (e) {
      const message = (e as Error).message;
      emit({ type: 'log', level: 'error', message });
      emit({ type: 'checkpoint-failed', runId: run.id, step: run.step, message });
      return false;
    }
  }

  function newRun(config: Session['config'], history: StepReport[] = []): RunRecord {
    const now = Date.now();
    return {
      id: `run-${now.toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      createdAt: now,
      updatedAt: now,
      dataset: state.summary?.category ?? 'dataset',
      config,
      step: 0,
      history,
      metrics: null,
      hasCheckpoint: false,
      status: 'training',
    };
  }

  async function restore(bytes: Uint8Array, onProgress: (d: number, t: number) => void): Promise<Session> {
    const decoded = decodeSession(bytes);
    const data = requireData();
    const teacher = await candidateTeacher(decoded.meta.config.teacher, onProgress);
    try {
      const session = Session.fromCheckpoint(teacher, data, decoded);
      adoptTeacher(teacher);
      return session;
    } catch (e) {
      dropCandidate(teacher);
      throw e;
    }
  }

  /** Forgets the session and teacher after a device loss or OOM (their tensors may be dead). */
  function dropModel(): void {
    for (const owner of [state.session, state.teacher]) {
      try {
        owner?.dispose();
      } catch {
        // The backend died with its memory; nothing to free.
      }
    }
    state.session = null;
    state.teacher = null;
    state.evaluation = null;
  }

  /**
   * The current run again, from its last checkpoint (or from scratch when `fromScratch`: training
   * redoes the steps anyway), on the active backend.
   */
  async function rebuildRun(batchSize: number, fromScratch = true): Promise<Session> {
    const run = state.run;
    if (!run) throw new Error('No run to restore.');
    const bytes = run.hasCheckpoint ? await runsDb.getCheckpoint(run.id) : undefined;
    let session: Session;
    if (bytes) {
      session = await restore(bytes, () => {});
    } else if (!fromScratch) {
      throw new Error(
        'this run has no saved checkpoint, so the trained model is gone with the GPU. ' +
          'Train it again (or resume a run with a checkpoint from the Runs tab), then try again.',
      );
    } else {
      const teacher = await teacherFor(run.config.teacher);
      session = await Session.create(teacher, requireData(), { ...run.config });
    }
    session.config.batchSize = batchSize;
    replaceSession(session);
    run.config = session.config;
    run.history = run.history.filter((r) => r.step <= session.trainer.step);
    run.step = session.trainer.step;
    return session;
  }

  /** Every guard shares it, so two commands meeting one lost device rebuild the backend once. */
  const gate = new RecoveryGate();

  /** A guard for one call of `options.activity`; none without backend control (Node tests). */
  function guardFor(options: GuardOptions): RecoveryGuard | null {
    if (!backend) return null;
    const host = {
      runId: () => state.run?.id ?? '',
      backend,
      emit,
      drop: dropModel,
      // Evaluating or scoring a freshly initialised model would be meaningless: only the training
      // loop may start over from the config.
      rebuild: (batchSize: number) => rebuildRun(batchSize, options.activity === 'training'),
      savedStep: () => (state.run?.hasCheckpoint ? (state.run.checkpointStep ?? 0) : 0),
      gate,
    };
    return new RecoveryGuard(host, options);
  }

  /** The session, once any recovery in flight (started by another command) has finished. */
  async function settledSession(): Promise<Session> {
    await gate.settled();
    return requireSession();
  }

  /**
   * `work` on the settled session under a guard for `options` (a lost device restores the run's
   * last checkpoint and runs it again); plain without backend control (Node tests).
   */
  async function guarded<T>(options: GuardOptions, work: (s: Session) => Promise<T>): Promise<T> {
    const s = await settledSession();
    const guard = guardFor(options);
    return guard ? (await guard.complete(s, work)).value : work(s);
  }

  /** The memory explorer's view of one test image: what each bank holds and selects for it. */
  async function exploreImage(s: Session, image: RgbImage, testIndex: number): Promise<MemoryExploration> {
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

  /** An import failure says what happens next: nothing changed. Cancellation passes through as is. */
  function importFailed(e: unknown): never {
    if (!(e instanceof Error) || e instanceof CancelledError) throw e;
    const now = state.session ? 'the current model is unchanged' : 'there is still no model';
    e.message = `${e.message.replace(/\.?\s*$/, '.')} Nothing was imported; ${now}.`;
    throw e;
  }

  /** Makes a freshly loaded dataset current; the texture folder, if any, carries over. */
  function install(images: DatasetImages, summary: DatasetSummary): DatasetSummary {
    images.textures = state.data?.textures ?? [];
    summary.textures = images.textures.length;
    state.data = images;
    state.summary = summary;
    state.evaluation = null;
    return summary;
  }

  return {
    async loadDataset(files, opts) {
      return tasks.run(opts.taskId, async (task) => {
        userLoads += 1;
        const loaded = await loadDatasetFiles(files, opts, task).finally(() => (userLoads -= 1));
        userDataset = true;
        return install(loaded.images, loaded.summary);
      });
    },

    async loadDemoDataset(opts) {
      // The start page's auto-load must never replace a folder the user dropped meanwhile.
      if (opts.onlyIfEmpty && (userDataset || userLoads > 0)) return null;
      return tasks.run(opts.taskId, async (task) => {
        userDataset = false;
        const { images, summary } = loadDemo(opts, (d, t) =>
          task.progress(d, t, 'Generating the demo dataset'),
        );
        return install(images, summary);
      });
    },

    async scoreFrame(frame) {
      const t0 = performance.now();
      // Frames that arrive while a recovery runs wait for it instead of starting another one.
      let s: Session;
      try {
        s = await settledSession();
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
      const scoreOn = (session: Session): Promise<Score> => session.score([rgb]);
      const guard = guardFor(SCORING);
      const before = { session: s, step: s.trainer.step, evaluation: state.evaluation };
      let r: Score;
      if (guard) ({ value: r, session: s } = await guard.complete(s, scoreOn));
      else r = await scoreOn(s);
      // Restored at the step it was evaluated at, the model is the evaluated one: its evaluation
      // still scales the live heatmap.
      const restored = s !== before.session;
      if (restored && !state.evaluation && s.trainer.step === before.step)
        state.evaluation = before.evaluation;
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

    async loadTextures(files, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const size = state.data?.size ?? 256;
        const { textures, problems } = await loadTextureFiles(files, size, task);
        if (textures.length === 0) {
          const none: Problem = {
            code: 'empty',
            severity: 'error',
            message: 'No readable texture image in that folder.',
            consequence: 'The built-in procedural textures stay in use.',
          };
          return { count: 0, problems: [...problems, none] };
        }
        if (state.data) state.data.textures = textures;
        else state.data = { size, train: [], test: [], textures };
        if (state.summary) state.summary.textures = textures.length;
        return { count: textures.length, problems };
      });
    },

    async thumbnail(split, index, size) {
      const data = state.data;
      const img = split === 'train' ? data?.train[index] : data?.test[index];
      if (!data || !img) throw new Error(`No ${split} image ${index}.`);
      const bmp = await rgbToBitmap(toRgb(img, data.size));
      const small = await createImageBitmap(bmp, {
        resizeWidth: size,
        resizeHeight: size,
        resizeQuality: 'medium',
      });
      bmp.close();
      return Comlink.transfer(small, [small]);
    },

    async synthPreview(opts) {
      const data = requireData();
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

    async createSession(partial, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const config = validateConfig(partial);
        const data = requireData();
        const teacher = await teacherFor(config.teacher, (d, t) =>
          task.progress(d, t, `Loading the ${config.teacher} teacher`),
        );
        const session = await Session.create(teacher, data, config, {
          onProgress: (d, t, m) => task.progress(d, t, m),
          signal: task.signal,
        });
        replaceSession(session);
        state.run = newRun(config);
        await persist('training', false);
        return info();
      });
    },

    async sessionInfo() {
      return state.session ? info() : null;
    },

    async train(opts) {
      return tasks.run(opts.taskId, async (task) => {
        let s = await settledSession();
        const run = state.run ?? (state.run = newRun(s.config));
        const until = opts.untilStep ?? s.config.steps;
        const every = opts.checkpointEvery ?? CHECKPOINT_EVERY;
        const guard = guardFor(TRAINING);
        /** Device work of the loop; a recovery hands back the session restored from the last checkpoint. */
        const guarded = async <T>(work: () => Promise<T>): Promise<{ value: T } | { session: Session }> =>
          guard ? guard.run(s, work) : { value: await work() };
        if (backend?.active() === 'wasm' && s.trainer.step < until) {
          const warning = wasmPreflight(s.net.store.count(), s.config);
          if (warning) emit({ type: 'log', level: 'warn', message: warning });
        }
        try {
          while (s.trainer.step < until) {
            const stepped = await guarded(() => s.step());
            if ('session' in stepped) {
              s = stepped.session;
              await task.checkpoint();
              continue;
            }
            const report = stepped.value;
            run.history.push({ ...report, selected: null });
            const numTensors = tf.memory().numTensors;
            emit({ type: 'step', runId: run.id, report, totalSteps: until, numTensors });
            if (every > 0 && s.trainer.step % every === 0) {
              const saved = await guarded(() => persist('training', true));
              if ('session' in saved) s = saved.session;
              else if (saved.value) emit({ type: 'checkpoint', runId: run.id, step: s.trainer.step });
            }
            await task.checkpoint();
          }
        } catch (e) {
          if (e instanceof CancelledError) {
            await persist('paused', true);
            return { step: s.trainer.step, paused: true };
          }
          // After a loss the weights are gone: the last checkpoint stays the run's state.
          if (!backend?.lost()) await persist('interrupted', true);
          throw e;
        }
        await persist('finished', true);
        return { step: s.trainer.step, paused: false };
      });
    },

    async evaluate(opts) {
      return tasks.run(opts.taskId, async (task) => {
        let s = await settledSession();
        const evaluateOn = (session: Session): Promise<Evaluation> =>
          session.evaluate({ onProgress: (d, t, m) => task.progress(d, t, m), signal: task.signal });
        const guard = guardFor(EVALUATION);
        let ev: Evaluation;
        // After a lost device: the model restored from the last checkpoint, evaluated once more.
        if (guard) ({ value: ev, session: s } = await guard.complete(s, evaluateOn, () => task.checkpoint()));
        else ev = await evaluateOn(s);
        state.evaluation = ev;
        const summary = summarizeEvaluation(ev, s.trainer.step);
        if (state.run) {
          state.run.metrics = summary.metrics;
          await persist(state.run.status, false);
          emit({ type: 'evaluation', runId: state.run.id, summary });
        }
        return summary;
      });
    },

    async heatmap(testIndex) {
      const ev = state.evaluation;
      const data = state.data;
      if (!ev || !data) throw new Error('Evaluate the model first.');
      const t = data.test[testIndex];
      if (!t) throw new Error(`No test image ${testIndex}.`);
      const n = ev.size * ev.size;
      const img = toRgb(t, data.size);
      const rgb = img.height === ev.size ? img : resizeRgb(img, ev.size, ev.size);
      const rgba = new Uint8ClampedArray(n * 4);
      for (let i = 0; i < n; i++) {
        rgba[i * 4] = rgb.data[i * 3] * 255;
        rgba[i * 4 + 1] = rgb.data[i * 3 + 1] * 255;
        rgba[i * 4 + 2] = rgb.data[i * 3 + 2] * 255;
        rgba[i * 4 + 3] = 255;
      }
      let mapMin = Infinity;
      let mapMax = -Infinity;
      for (const v of ev.maps) {
        if (v < mapMin) mapMin = v;
        if (v > mapMax) mapMax = v;
      }
      const map = ev.maps.slice(testIndex * n, (testIndex + 1) * n);
      let mask: Uint8Array | null = null;
      if (t.mask) {
        mask =
          t.mask.length === n
            ? t.mask.slice()
            : resizeMask(t.mask, data.size, data.size, ev.size, ev.size, { method: 'nearest' });
      }
      const out = { size: ev.size, image: rgba, map, mask, score: ev.scores[testIndex], mapMin, mapMax };
      return Comlink.transfer(out, [rgba.buffer, map.buffer, ...(mask ? [mask.buffer] : [])]);
    },

    async explore(testIndex) {
      const data = requireData();
      const t = data.test[testIndex];
      if (!t) throw new Error(`No test image ${testIndex}.`);
      return guarded(EXPLORING, (s) => exploreImage(s, toRgb(t, data.size), testIndex));
    },

    async exportCheckpoint() {
      const bytes = await guarded(EXPORTING, (s) =>
        encodeSession(s, { dataset: state.run?.dataset, metrics: state.run?.metrics }),
      );
      return Comlink.transfer(bytes, [bytes.buffer]);
    },

    async importCheckpoint(bytes, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const session = await restore(bytes, (d, t) => task.progress(d, t, 'Loading the teacher')).catch(
          importFailed,
        );
        replaceSession(session);
        state.run = newRun(session.config);
        state.run.step = session.trainer.step;
        await persist('paused', true);
        return info();
      });
    },

    async importReference(files, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const data = requireData();
        const read = async (f: InputFile) => {
          checkModelFileSize(f.path, f.file.size);
          return readModelFile(f.path, new Uint8Array(await f.file.arrayBuffer()));
        };
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
          const teacher = await candidateTeacher(arch, undefined, teacherWeights);
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
            dropCandidate(teacher);
            throw e;
          }
        };
        const { teacher, session } = await build().catch(importFailed);
        adoptTeacher(teacher);
        replaceSession(session);
        state.run = newRun(session.config);
        await persist('paused', true);
        return info();
      });
    },

    async listRuns() {
      return runsDb.listRuns();
    },

    async deleteRun(id) {
      await runsDb.deleteRun(id);
    },

    async resumeRun(id, opts) {
      return tasks.run(opts.taskId, async (task) => {
        const { record, checkpoint: bytes } = await runsDb.getRunWithCheckpoint(id);
        if (!record) throw new Error('That run no longer exists.');
        if (!bytes) throw new Error('That run has no saved checkpoint to resume from.');
        const session = await restore(bytes, (d, t) => task.progress(d, t, 'Loading the teacher'));
        replaceSession(session);
        record.history = record.history.filter((r) => r.step <= session.trainer.step);
        state.run = record;
        return info();
      });
    },
  };
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

function summarizeEvaluation(ev: Evaluation, step: number): EvaluationSummary {
  const m = ev.metrics;
  const metrics: MetricsSummary = {
    imageAuroc: m.imageAuroc,
    pixelAuroc: m.pixelAuroc,
    proFullRange: m.aupro.fullRange,
    proMvtec03: m.aupro.mvtec03,
    f1Image: { f1: m.f1Image.f1, threshold: m.f1Image.threshold },
    f1Pixel: { f1: m.f1Pixel.f1, threshold: m.f1Pixel.threshold },
  };
  const pts = (x: ArrayLike<number>, y: ArrayLike<number>) => ({ x: Array.from(x), y: Array.from(y) });
  return {
    step,
    metrics,
    roc: pts(m.curves.roc.fpr, m.curves.roc.tpr),
    rocPixel: pts(m.curves.rocPixel.fpr, m.curves.rocPixel.tpr),
    pro: pts(m.curves.pro.fpr, m.curves.pro.pro),
    scores: Array.from(ev.scores),
    labels: Array.from(ev.labels),
    selected: Array.from(ev.selected),
    msPerImage: ev.msPerImage,
  };
}
