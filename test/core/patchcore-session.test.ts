import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadTeacher, type Teacher } from '../../src/core/backbones';
import { validateConfig } from '../../src/core/config';
import { readSafetensors } from '../../src/core/io/safetensors';
import { decodeSession, encodeSession } from '../../src/core/pipeline/checkpoint';
import type { DatasetImages, TestImage } from '../../src/core/pipeline/dataset';
import { createSession, restoreSession } from '../../src/core/pipeline/model-session';
import type { PatchCoreSession } from '../../src/core/pipeline/patchcore-session';
import { Rng } from '../../src/core/synth/rng';
import { useBackend } from '../helpers/backends';
import { sharedPath } from '../helpers/golden';
import { dirReader } from '../../scripts/lib/dir-reader';

const SIZE = 64;

/** Vertical stripes with a little noise, as bytes; `square` paints a red 16x16 defect at (24, 24). */
function image(rng: Rng, square: boolean): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const inside = square && y >= 24 && y < 40 && x >= 24 && x < 40;
      const v = 0.5 + 0.25 * Math.sin((2 * Math.PI * x) / 8);
      for (let c = 0; c < 3; c++) {
        const value = inside ? (c === 0 ? 0.95 : 0.05) : v + 0.02 * rng.normal() + 0.1 * c;
        out[(y * SIZE + x) * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, value)));
      }
    }
  return out;
}

function squareMask(): Uint8Array {
  const m = new Uint8Array(SIZE * SIZE);
  for (let y = 24; y < 40; y++) for (let x = 24; x < 40; x++) m[y * SIZE + x] = 1;
  return m;
}

function dataset(): DatasetImages {
  const rng = new Rng(11);
  const train = Array.from({ length: 5 }, (_, i) => ({
    path: `train/good/${i}.png`,
    rgb: image(rng, false),
  }));
  const test: TestImage[] = [0, 1, 2, 3].map((i) => ({
    path: `test/${i < 2 ? 'good' : 'square'}/${i}.png`,
    rgb: image(rng, i >= 2),
    defectType: i < 2 ? 'good' : 'square',
    label: i < 2 ? 0 : 1,
    mask: i < 2 ? null : squareMask(),
  }));
  return { size: SIZE, train, test, textures: [] };
}

describe('PatchCoreSession', () => {
  let teacher: Teacher;
  beforeAll(async () => {
    await useBackend('wasm');
    teacher = await loadTeacher('mobilenet_v2', dirReader(sharedPath('models/mobilenet_v2_0.35_keras')));
  });
  afterAll(() => teacher?.dispose());

  const config = validateConfig({
    model: 'patchcore',
    teacher: 'mobilenet_v2',
    imageSize: SIZE,
    coresetFraction: 0.2,
    projectionDim: 64,
    seed: 5,
  });

  async function fitted(data: DatasetImages): Promise<PatchCoreSession> {
    const session = await createSession(teacher, data, config);
    if (session.kind !== 'patchcore') throw new Error('expected a PatchCore session');
    while (!session.fitted) await session.fitStep();
    return session;
  }

  it('fits, evaluates, and its checkpoint restores the same maps and scores', async () => {
    const data = dataset();
    const session = await fitted(data);
    // 5 images, then a fifth of their 5 x 8 x 8 patches as coreset centres.
    expect(session.totalSteps).toBe(5 + 64);
    expect(session.stepsDone).toBe(session.totalSteps);
    expect(session.parameters).toBe(0);
    expect(session.notes.join(' ')).toMatch(
      /^Patch features are projected from 288 to 64 values.*Memory: 64 patches/,
    );

    const ev = await session.evaluate();
    expect(ev.scores.length).toBe(4);
    expect(ev.maps.length).toBe(4 * SIZE * SIZE);
    expect(Array.from(ev.selected)).toEqual([-1, -1, -1, -1]);
    expect(ev.metrics.imageAuroc).toBe(1);
    expect(ev.metrics.pixelAuroc).toBeGreaterThan(0.5);

    const bytes = await encodeSession(session, { dataset: 'stripes' });
    const stored = readSafetensors(bytes);
    expect(stored.get('patchcore.memory')?.shape).toEqual([64, 64]);
    expect(stored.get('patchcore.projection')?.shape).toEqual([288, 64]);
    const restored = restoreSession(teacher, data, decodeSession(bytes));
    expect(restored.kind).toBe('patchcore');
    expect(restored.stepsDone).toBe(session.stepsDone);
    expect(restored.totalSteps).toBe(session.totalSteps);
    expect(restored.notes).toEqual(session.notes);
    const again = await restored.evaluate();
    expect(Array.from(again.maps)).toEqual(Array.from(ev.maps));
    expect(Array.from(again.scores)).toEqual(Array.from(ev.scores));
    session.dispose();
    restored.dispose();
  });

  it('saves an unfinished fit as its configuration: restored, the fit starts again', async () => {
    const data = dataset();
    const session = await createSession(teacher, data, config);
    if (session.kind !== 'patchcore') throw new Error('expected a PatchCore session');
    await session.fitStep();
    expect(session.stepsDone).toBe(4);
    const decoded = decodeSession(await encodeSession(session));
    expect(decoded.meta.step).toBe(0);
    expect(decoded.arrays.size).toBe(0);
    const restored = restoreSession(teacher, data, decoded);
    expect(restored.stepsDone).toBe(0);
    if (restored.kind !== 'patchcore') throw new Error('expected a PatchCore session');
    expect(restored.fitted).toBe(false);
    await expect(restored.evaluate()).rejects.toThrow(/not fitted yet/);
    const before = tf.memory().numTensors;
    session.dispose();
    restored.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
