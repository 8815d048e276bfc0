/**
 * Teachers load from their model folders, classify real photos correctly (so weights and
 * preprocessing are right), and return taps at strides 4/8/16. ResNet50 and EfficientNet-B0 need
 * `npm run weights` (public/teachers/); MobileNetV2 is read from ../shared when not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeacherName } from '../../src/core/config';
import { fetchReader, loadTeacher, type ReadFile, type Teacher } from '../../src/core/backbones';
import { readerIOHandler } from '../../src/core/backbones/io-handler';
import { applyEval, freeInputSize, innerFunctional, modelConfig, tapModel } from '../helpers/keras';
import { useBackend } from '../helpers/backends';
import { relErr, sharedPath } from '../helpers/golden';
import { dirReader } from '../../scripts/lib/dir-reader';

const ROOT = resolve(__dirname, '../..');
const installed = (name: TeacherName) => join(ROOT, 'public/teachers', name);

function teacherDir(name: TeacherName): string | null {
  const dir = installed(name);
  if (existsSync(join(dir, 'model.json'))) return dir;
  const shared = sharedPath('models/mobilenet_v2_0.35_keras');
  if (name === 'mobilenet_v2' && existsSync(join(shared, 'model.json'))) return shared;
  return null;
}

/** The five ImageNet samples, whole image bilinear-resized to 224x224, RGB [0,1] -> [5,224,224,3]. */
function loadSamples(): tf.Tensor4D {
  return tf.tidy(() => {
    // No centre crop: it cuts the owl's head off the portrait photo.
    const images = SAMPLES.map(({ file }) => {
      const img = jpeg.decode(readFileSync(sharedPath('data/imagenet-samples', file)), { useTArray: true });
      const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
      const rgb = tf.slice(rgba, [0, 0, 0], [img.height, img.width, 3]).toFloat().div(255) as tf.Tensor3D;
      return tf.image.resizeBilinear(rgb, [224, 224]);
    });
    return tf.stack(images) as tf.Tensor4D;
  });
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
// ImageNet-1k indices that count as a correct answer for each photo.
const SAMPLES = [
  { file: 'basketball.jpg', ok: [430] },
  { file: 'cat_720p.jpg', ok: [281, 282, 285] }, // tabby, tiger cat, Egyptian cat
  { file: 'dog.jpg', ok: range(151, 268) }, // any dog breed
  { file: 'owl.jpg', ok: [24] }, // great grey owl
  { file: 'panda.jpg', ok: [388] }, // giant panda
];

async function expectTop5(teacher: Teacher, images: tf.Tensor4D): Promise<void> {
  const logits = teacher.classify!(images);
  expect(logits.shape).toEqual([5, 1000]);
  const { indices, values } = tf.topk(logits, 5);
  const top = (await indices.array()) as number[][];
  tf.dispose([logits, indices, values]);
  console.log(`[teachers.test] ${teacher.name} top-5: ${top.map((t) => t.join(',')).join(' | ')}`);
  SAMPLES.forEach(({ file, ok }, i) => {
    expect(
      top[i].some((c) => ok.includes(c)),
      `${teacher.name} ${file}: top-5 ${top[i]}`,
    ).toBe(true);
  });
}

function expectTaps(teacher: Teacher, channels: [number, number, number]): void {
  expect(teacher.channels).toEqual(channels);
  expect(teacher.strides).toEqual([4, 8, 16]);
  const x = tf.randomUniform([2, 256, 256, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const taps = teacher.features(x);
  expect(tf.memory().numTensors).toBe(before + 3);
  taps.forEach((t, i) => {
    const s = teacher.strides[i];
    expect(t.shape).toEqual([2, 256 / s, 256 / s, channels[i]]);
    const sum = t.sum();
    expect(Number.isFinite(sum.dataSync()[0])).toBe(true);
    sum.dispose();
  });
  tf.dispose([...taps, x]);
}

// WASM is several times faster than 'cpu' here; TEACHERS_BACKEND=cpu runs the same checks on cpu.
let backend = process.env.TEACHERS_BACKEND === 'cpu' ? 'cpu' : 'wasm';
let images: tf.Tensor4D;

beforeAll(async () => {
  try {
    await useBackend(backend as 'cpu' | 'wasm');
  } catch {
    backend = 'cpu';
    await useBackend('cpu');
  }
  images = loadSamples();
});
afterAll(() => images?.dispose());

const CASES: { name: TeacherName; channels: [number, number, number]; classifies: boolean }[] = [
  { name: 'resnet50', channels: [256, 512, 1024], classifies: true },
  { name: 'efficientnet_b0', channels: [24, 40, 112], classifies: true },
  { name: 'mobilenet_v2', channels: [48, 96, 192], classifies: false },
];

for (const { name, channels, classifies } of CASES) {
  const dir = teacherDir(name);
  if (!dir) console.warn(`[teachers.test] ${name} weights not installed: run \`npm run weights\` (skipped)`);

  describe.skipIf(!dir)(`teacher ${name}`, () => {
    let teacher: Teacher;
    let baseline = 0;
    beforeAll(async () => {
      baseline = tf.memory().numTensors;
      const t0 = performance.now();
      let reported = 0;
      teacher = await loadTeacher(name, dirReader(dir!), {
        onProgress: (loaded, total) => {
          expect(loaded).toBeLessThanOrEqual(total);
          reported = loaded;
        },
      });
      expect(reported).toBeGreaterThan(0);
      console.log(
        `[teachers.test] ${name} loaded in ${(performance.now() - t0).toFixed(0)} ms on ${backend}`,
      );
    });

    it('returns taps at strides 4/8/16 for a 256x256 input', () => {
      expectTaps(teacher, channels);
    });

    it.runIf(classifies)('puts the right ImageNet class in the top 5 for the sample photos', async () => {
      const t0 = performance.now();
      await expectTop5(teacher, images);
      console.log(`[teachers.test] ${name} classified 5 images in ${(performance.now() - t0).toFixed(0)} ms`);
    });

    it.runIf(!classifies)('has no ImageNet classifier', () => {
      expect(teacher.classify).toBeUndefined();
    });

    it('frees every weight on dispose', () => {
      teacher.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    });
  });
}

/**
 * The Keras teachers fold every BatchNorm into its convolution and run their own forward passes;
 * TF.js running the Keras model as saved (layer by layer, BatchNorm apart) must agree with them.
 */
describe('folded Keras teachers against TF.js running the Keras model', () => {
  /** The Keras model's functional part, any input size, the classifier's softmax left out. */
  const kerasModel = async (dir: string): Promise<tf.LayersModel> => {
    let inFile = new Set<string>();
    const model = await tf.loadLayersModel(
      readerIOHandler(dirReader(dir), {
        transform: (json) => {
          const inner = innerFunctional(modelConfig(json))!;
          freeInputSize(inner);
          const fc = inner.config.layers!.find((l) => l.config.name === 'fc1000');
          if (fc) fc.config.activation = 'linear';
          inFile = new Set(json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name)));
          return { ...json, modelTopology: { class_name: inner.class_name, config: inner.config } };
        },
      }),
      // MobileNetV2's file also holds its head's weights, which the inner model has no variables for.
      { strict: false },
    );
    expect(model.weights.filter((w) => !inFile.has(w.originalName))).toEqual([]);
    return model;
  };

  const close = async (ours: tf.Tensor, keras: tf.Tensor, label: string): Promise<void> => {
    expect(ours.shape, label).toEqual(keras.shape);
    expect(relErr(await ours.data(), await keras.data()), label).toBeLessThan(1e-4);
  };

  it.skipIf(!teacherDir('resnet50'))(
    'ResNet50: the same taps and logits',
    async () => {
      const dir = teacherDir('resnet50')!;
      const keras = await kerasModel(dir);
      const teacher = await loadTeacher('resnet50', dirReader(dir));
      const x = tf.randomUniform([2, 96, 96, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const caffe = tf.tidy(() => tf.sub(tf.mul(tf.reverse(x, -1), 255), [103.939, 116.779, 123.68]));
      const taps = ['activation_9', 'activation_21', 'activation_39'];
      const expected = applyEval(tapModel(keras, taps), caffe);
      const ours = teacher.features(x);
      for (const [i, name] of taps.entries()) await close(ours[i], expected[i], name);
      const [logits, kerasLogits] = [teacher.classify!(x), keras.predict(caffe) as tf.Tensor];
      await close(logits, kerasLogits, 'logits');
      tf.dispose([x, caffe, ...expected, ...ours, logits, kerasLogits]);
      keras.dispose();
      teacher.dispose();
    },
    120_000,
  );

  it.skipIf(!teacherDir('mobilenet_v2'))(
    'MobileNetV2: the same taps, at sizes whose stride-2 inputs are even or odd',
    async () => {
      const dir = teacherDir('mobilenet_v2')!;
      const keras = await kerasModel(dir);
      const teacher = await loadTeacher('mobilenet_v2', dirReader(dir));
      const taps = ['block_3_expand_relu', 'block_6_expand_relu', 'block_13_expand_relu'];
      for (const size of [96, 72]) {
        const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', size) as tf.Tensor4D;
        const scaled = tf.tidy(() => tf.sub(tf.mul(x, 2), 1));
        const expected = applyEval(tapModel(keras, taps), scaled);
        const ours = teacher.features(x);
        for (const [i, name] of taps.entries()) await close(ours[i], expected[i], `${size} px ${name}`);
        tf.dispose([x, scaled, ...expected, ...ours]);
      }
      keras.dispose();
      teacher.dispose();
    },
    120_000,
  );
});

describe('teacher weight files', () => {
  const dir = teacherDir('mobilenet_v2');
  it.skipIf(!dir)('names a truncated shard', async () => {
    const read: ReadFile = async (p) => {
      const b = await dirReader(dir!)(p);
      return p === 'weights.bin' ? b.slice(0, b.byteLength - 4) : b;
    };
    await expect(loadTeacher('mobilenet_v2', read)).rejects.toThrow(
      /weights\.bin has 2155228 bytes, model\.json needs 2155232/,
    );
  });

  it.skipIf(!dir)('names a missing shard', async () => {
    const read: ReadFile = async (p) => {
      if (p === 'weights.bin') throw new Error('ENOENT');
      return dirReader(dir!)(p);
    };
    await expect(loadTeacher('mobilenet_v2', read)).rejects.toThrow(/cannot read weights\.bin \(ENOENT\)/);
  });

  const effDir = teacherDir('efficientnet_b0');
  it.skipIf(!effDir)('names the wrong-sized shard among several', async () => {
    const read: ReadFile = async (p) => {
      const b = await dirReader(effDir!)(p);
      return p === 'group1-shard3of6.bin' ? b.slice(0, 1000) : b;
    };
    const handler = readerIOHandler(read, { label: 'efficientnet_b0' });
    await expect(handler.load!()).rejects.toThrow(/group1-shard3of6\.bin has 1000 bytes/);
  });

  const rnDir = teacherDir('resnet50');
  it.skipIf(!dir || !rnDir)(
    'names a missing weight when a folder holds another model, and keeps nothing',
    async () => {
      const before = tf.memory().numTensors;
      await expect(loadTeacher('resnet50', dirReader(dir!))).rejects.toThrow(
        /^resnet50: model\.json has no weight \S+; is it the Keras ImageNet ResNet50\?/,
      );
      await expect(loadTeacher('mobilenet_v2', dirReader(rnDir!))).rejects.toThrow(
        /^mobilenet_v2: model\.json has no weight \S+; is it the Keras MobileNetV2\?/,
      );
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('asks for a checkpoint when a torchvision teacher has none', async () => {
    await expect(loadTeacher('resnet18', dirReader('/nonexistent'))).rejects.toThrow(
      /import a torchvision checkpoint/,
    );
  });

  it('fetchReader reports HTTP errors and HTML fallbacks with the URL', async () => {
    const fake = (status: number, type: string) => async () =>
      new Response('<html></html>', { status, headers: { 'content-type': type } });
    await expect(fetchReader('/teachers/x', fake(404, 'text/plain'))('model.json')).rejects.toThrow(
      /\/teachers\/x\/model\.json: HTTP 404/,
    );
    await expect(fetchReader('/teachers/x/', fake(200, 'text/html'))('a.bin')).rejects.toThrow(
      /\/teachers\/x\/a\.bin: got an HTML page/,
    );
  });

  it('rejects an HTML page served in place of model.json', async () => {
    const read: ReadFile = async () =>
      new TextEncoder().encode('<!doctype html><html></html>').buffer as ArrayBuffer;
    await expect(loadTeacher('resnet50', read)).rejects.toThrow(/model\.json is not valid JSON/);
  });
});
