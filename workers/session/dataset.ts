// The dataset commands: a dropped folder or the generated demo becomes the current dataset,
// texture folders feed the Fourier mix, thumbnails show what was loaded.
import * as Comlink from 'comlink';
import type { Problem } from '../../src/core/data/layout';
import { toRgb, type DatasetImages } from '../../src/core/pipeline/dataset';
import type { DatasetSummary, SessionCommands } from '../session-api';
import { loadDatasetFiles, loadTextureFiles } from './dataset-loader';
import { rgbToBitmap } from './decode';
import { loadDemo } from './demo-dataset';
import type { SessionContext, SessionState } from './state';

type DatasetCommands = Pick<
  SessionCommands,
  'loadDataset' | 'loadDemoDataset' | 'loadTextures' | 'thumbnail'
>;

/** Makes a freshly loaded dataset current; the texture folder, if any, carries over. */
function install(state: SessionState, images: DatasetImages, summary: DatasetSummary): DatasetSummary {
  images.textures = state.data?.textures ?? [];
  summary.textures = images.textures.length;
  state.data = images;
  state.summary = summary;
  state.evaluation = null;
  return summary;
}

export function datasetCommands({ state, tasks }: SessionContext): DatasetCommands {
  return {
    async loadDataset(files, opts) {
      return tasks.run(opts.taskId, async (task) => {
        state.userLoads += 1;
        const loaded = await loadDatasetFiles(files, opts, task).finally(() => (state.userLoads -= 1));
        state.userDataset = true;
        return install(state, loaded.images, loaded.summary);
      });
    },

    async loadDemoDataset(opts) {
      // The start page's auto-load must never replace a folder the user dropped meanwhile.
      if (opts.onlyIfEmpty && (state.userDataset || state.userLoads > 0)) return null;
      return tasks.run(opts.taskId, async (task) => {
        state.userDataset = false;
        const { images, summary } = loadDemo(opts, (d, t) =>
          task.progress(d, t, 'Generating the demo dataset'),
        );
        return install(state, images, summary);
      });
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
  };
}
