import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ResNetTeacher } from '../../src/core/backbones/resnet';
import { validateConfig } from '../../src/core/config';
import { buildBank } from '../../src/core/model/build-banks';
import { createNetwork, reconstruct, type Levels } from '../../src/core/model/dmgrd';
import { disposeMemoryBank } from '../../src/core/model/memory-bank';
import { EVAL } from '../../src/core/nn/params';
import { clearFilterCache, filterCacheSize, withFilterCache } from '../../src/core/kernels/filter-cache';
import { disposeScores, scoreImages } from '../../src/core/pipeline/score';
import { scoreBatch } from '../../src/core/scoring/anomaly-map';
import { useBackend } from '../helpers/backends';

describe('scoreImages', () => {
  for (const model of ['rd', 'dmgrd'] as const) {
    it(`${model}: is teacher → reconstruct → scoreBatch, and frees every intermediate`, async () => {
      await useBackend('cpu');
      const config = validateConfig({
        teacher: 'resnet18',
        model,
        imageSize: 32,
        memoryItems: 3,
        imageScoreTopK: 10,
      });
      const teacher = ResNetTeacher.random('resnet18', 7);
      const net = createNetwork(model, 'resnet18', teacher.channels, 11);
      const image = (i: number) => tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', i) as tf.Tensor4D;
      const banks =
        model === 'dmgrd'
          ? {
              normal: await buildBank(teacher, 3, image, [0, 1, 2]),
              abnormal: await buildBank(teacher, 3, (i) => image(10 + i), [0, 1, 2]),
            }
          : null;
      const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 99) as tf.Tensor4D;

      const before = tf.memory().numTensors;
      const r = scoreImages({ teacher, net, banks }, x, config);
      // The outputs, and the transformed filters scoring keeps for its next call.
      expect(tf.memory().numTensors - before).toBe((model === 'dmgrd' ? 3 : 2) + filterCacheSize().tensors);
      expect(r.maps.shape).toEqual([2, 32, 32]);
      expect(r.scores.shape).toEqual([2]);

      const feats = teacher.features(x) as Levels;
      const { student, selected } = withFilterCache(() =>
        reconstruct(net, banks, feats, { paperSelect: false, mode: EVAL }),
      );
      const want = scoreBatch(feats, student, { outH: 32, outW: 32, topK: 10 });
      expect(Array.from(await r.maps.data())).toEqual(Array.from(await want.blurred.data()));
      expect(Array.from(await r.scores.data())).toEqual(Array.from(await want.score.data()));
      if (model === 'dmgrd') {
        const slots = Array.from(await r.selected!.data());
        expect(slots).toEqual(Array.from(await selected!.data()));
        for (const slot of slots) expect(slot >= 0 && slot < 3).toBe(true);
      } else expect(r.selected).toBeNull();

      tf.dispose([
        ...feats,
        ...student,
        want.amap,
        want.blurred,
        want.score,
        ...(selected ? [selected] : []),
      ]);
      disposeScores(r);
      clearFilterCache();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      if (banks) [banks.normal, banks.abnormal].forEach(disposeMemoryBank);
      net.store.dispose();
      teacher.dispose();
    });
  }

  it('mapSigma 0 scores the map without blur; the default blurs with the reference σ 4', async () => {
    await useBackend('cpu');
    const teacher = ResNetTeacher.random('resnet18', 7);
    const net = createNetwork('rd', 'resnet18', teacher.channels, 11);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 99) as tf.Tensor4D;
    const base = { teacher: 'resnet18', model: 'rd', imageSize: 32, imageScoreTopK: 1 } as const;
    const sharp = scoreImages({ teacher, net, banks: null }, x, validateConfig({ ...base, mapSigma: 0 }));
    const blurred = scoreImages({ teacher, net, banks: null }, x, validateConfig(base));
    const feats = teacher.features(x) as Levels;
    const { student } = withFilterCache(() =>
      reconstruct(net, null, feats, { paperSelect: false, mode: EVAL }),
    );
    const want = scoreBatch(feats, student, { outH: 32, outW: 32, sigma: 4, topK: 1 });
    expect(Array.from(await sharp.maps.data())).toEqual(Array.from(await want.amap.data()));
    expect(Array.from(await blurred.maps.data())).toEqual(Array.from(await want.blurred.data()));
    // Max of each image's unblurred map.
    const amap = await want.amap.data();
    const max = [0, 1].map((i) => Math.max(...amap.subarray(i * 1024, (i + 1) * 1024)));
    expect(Array.from(await sharp.scores.data())).toEqual(max);
    tf.dispose([x, ...feats, ...student, want.amap, want.blurred, want.score]);
    [sharp, blurred].forEach(disposeScores);
    clearFilterCache();
    net.store.dispose();
    teacher.dispose();
  });
});
