// "Export for the web": a zip any web page can score with. The package's code (detector.js and
// TF.js under vendor/) is built with the app (scripts/web-package-plugin.ts) and fetched from its
// own origin; the model folder is written here from the session: the teacher's files, the trained
// weights, the normal memory bank and model.json.
import { fetchReader, teacherUrl } from '../../src/core/backbones';
import { readModelJson, weightBytes } from '../../src/core/backbones/io-handler';
import { planOf, type ExportItem, type ExportPlan } from '../../src/core/export/plan';
import { writeSafetensors } from '../../src/core/io/safetensors';
import { StoredZipWriter } from '../../src/core/io/zip-writer';
import type { Session } from '../../src/core/pipeline/session';
import { storeToArrays } from '../../src/core/train/checkpoint';
import { PACKAGE_FORMAT, PREPROCESSING, type PackageManifest } from '../../src/web-package/manifest';
import { indexHtml, readme } from '../../src/web-package/page';
import type { ExportChoices } from '../session-api';
import { mapRange } from './evaluation';
import type { SessionState } from './state';

/** A file of the package: where it goes, how big, what it is, and how to get its bytes. */
interface PackageFile {
  path: string;
  bytes: number;
  approximate: boolean;
  what: string;
  read(): Promise<Uint8Array>;
}

const BASE = import.meta.env.BASE_URL;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const fetchBytes = async (url: string): Promise<Uint8Array> => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
};

/** detector.js and vendor/, as this build lists them in web-package/files.json. */
async function codeFiles(): Promise<PackageFile[]> {
  const missing = new Error(
    'this copy of the app has no web package code (web-package/files.json is missing): it was built without it',
  );
  const res = await fetch(`${BASE}web-package/files.json`).catch(() => {
    throw missing;
  });
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) throw missing;
  const { files } = (await res.json()) as { files: { path: string; bytes: number }[] };
  return files.map(({ path, bytes }) => ({
    path,
    bytes,
    approximate: false,
    what: path === 'detector.js' ? 'the ES module: load(url), detector.score(image)' : 'TF.js for index.html',
    read: () => fetchBytes(`${BASE}web-package/${path}`),
  }));
}

/** The teacher's files: the served TF.js model folder, or the torchvision file the run was given. */
async function teacherFiles(
  state: SessionState,
  s: Session,
): Promise<{ format: 'tfjs' | 'torch'; files: PackageFile[] }> {
  const name = s.teacher.name;
  if (name === 'resnet18' || name === 'resnet34' || name === 'wide_resnet50_2') {
    const held = state.teacherFile;
    if (!held || held.teacher !== s.teacher)
      throw new Error(
        `the ${name} teacher's weights file is not at hand: load its torchvision weights again (Export › import) and export once more`,
      );
    const file = held.file.path.split('/').pop() ?? 'teacher.pth';
    return {
      format: 'torch',
      files: [
        {
          path: `model/teacher/${file}`,
          bytes: held.file.file.size,
          approximate: false,
          what: `the ${name} teacher's torchvision weights, as given to the playground`,
          read: async () => new Uint8Array(await held.file.file.arrayBuffer()),
        },
      ],
    };
  }
  const url = teacherUrl(name, `${BASE}teachers/`);
  const json = await readModelJson(fetchReader(url), `${name} teacher`);
  const shards = json.weightsManifest.map((group) => ({
    paths: group.paths,
    bytes: group.weights.reduce((n, w) => n + weightBytes(w), 0),
  }));
  const files: PackageFile[] = [
    {
      path: 'model/teacher/model.json',
      bytes: utf8(JSON.stringify(json)).length,
      approximate: true,
      what: `the ${name} teacher's TF.js model`,
      read: () => fetchBytes(`${url}model.json`),
    },
  ];
  for (const group of shards)
    for (const p of group.paths)
      files.push({
        path: `model/teacher/${p}`,
        bytes: Math.round(group.bytes / group.paths.length),
        approximate: true,
        what: 'teacher weights',
        read: () => fetchBytes(`${url}${p}`),
      });
  return { format: 'tfjs', files };
}

export interface WebPackage {
  root: string;
  files: PackageFile[];
}

/** Every file of the package, with what it holds; nothing is read yet. */
export async function webPackage(
  state: SessionState,
  s: Session,
  choices: ExportChoices,
  base: string,
): Promise<WebPackage> {
  const ev = state.evaluation;
  if (!ev)
    throw new Error(
      'Evaluate the model first: the package’s threshold and colour scale come from the evaluation.',
    );
  const code = await codeFiles();
  const teacher = await teacherFiles(state, s);
  const range = mapRange(ev);
  const banks = s.banks;
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    createdAt: new Date().toISOString(),
    category: state.summary?.category ?? 'dataset',
    step: s.trainer.step,
    config: s.config,
    teacher: {
      name: s.teacher.name,
      channels: [...s.teacher.channels] as [number, number, number],
      format: teacher.format,
      files: teacher.files.map((f) => f.path.slice('model/teacher/'.length)),
    },
    weights: 'weights.safetensors',
    memory: banks
      ? {
          file: 'memory.safetensors',
          sources: banks.normal.sources.map((i) => state.data?.train[i]?.path ?? `train/${i}`),
        }
      : null,
    preprocessing: {
      storedSize: state.data?.size ?? s.config.imageSize,
      imageSize: s.config.imageSize,
      description: PREPROCESSING,
    },
    thresholds: {
      image: choices.results?.imageThreshold ?? ev.metrics.f1Image.threshold,
      pixel: choices.results?.pixelThreshold ?? ev.metrics.f1Pixel.threshold,
    },
    mapRange: { min: range.mapMin, max: range.mapMax },
  };
  const storeBytes = s.net.store.entries().reduce((n, [, v]) => n + 4 * v.size, 0);
  const text = (path: string, what: string, content: string): PackageFile => {
    const bytes = utf8(content);
    return { path, bytes: bytes.length, approximate: false, what, read: async () => bytes };
  };
  const files: PackageFile[] = [
    text('index.html', 'a page that scores a dropped image or the camera, offline', indexHtml(manifest)),
    text('README.md', 'how to use the package', readme(manifest)),
    ...code,
    text(
      'model/model.json',
      'configuration, preprocessing, thresholds, file list',
      `${JSON.stringify(manifest, null, 1)}\n`,
    ),
    {
      path: 'model/weights.safetensors',
      bytes: storeBytes + 64 * s.net.store.entries().length,
      approximate: true,
      what: `the trained network (${s.net.store.count().toLocaleString('en')} parameters)`,
      read: async () => writeSafetensors(await storeToArrays(s.net.store)),
    },
  ];
  if (banks)
    files.push({
      path: 'model/memory.safetensors',
      bytes: banks.normal.levels.reduce((n, l) => n + 4 * (l.maps.size + l.means.size), 0) + 1024,
      approximate: true,
      what: `the normal memory bank (${banks.normal.sources.length} items; the abnormal one only serves training)`,
      read: async () => {
        const arrays = new Map<string, { shape: number[]; data: Float32Array }>();
        for (const [l, level] of banks.normal.levels.entries()) {
          arrays.set(`memory.normal.l${l}.maps`, {
            shape: level.maps.shape,
            data: (await level.maps.data()) as Float32Array,
          });
          arrays.set(`memory.normal.l${l}.means`, {
            shape: level.means.shape,
            data: (await level.means.data()) as Float32Array,
          });
        }
        return writeSafetensors(arrays);
      },
    });
  files.push(...teacher.files);
  return { root: `${base}-web`, files };
}

/** The plan: the package's files (paths inside its folder), vendor/ and the teacher grouped so the list stays short. */
export function webPlan(pkg: WebPackage): ExportPlan {
  const groups = new Map<string, ExportItem>();
  for (const f of pkg.files) {
    const group = f.path.startsWith('vendor/')
      ? 'vendor/'
      : f.path.startsWith('model/teacher/')
        ? 'model/teacher/'
        : f.path;
    const item = groups.get(group);
    if (item) {
      item.bytes += f.bytes;
      item.approximate ||= f.approximate;
    } else
      groups.set(group, {
        path: group,
        bytes: f.bytes,
        approximate: f.approximate,
        what: group === 'vendor/' ? 'TF.js 4.22 with its WASM and WebGPU backends, for index.html' : f.what,
      });
  }
  return planOf('web', `${pkg.root}.zip`, [...groups.values()]);
}

/** Reads every file into a zip under the package's folder; `progress` gets bytes done / total. */
export async function writeWebPackage(
  pkg: WebPackage,
  progress: (done: number, total: number) => Promise<void>,
): Promise<Uint8Array[]> {
  const zip = new StoredZipWriter();
  const total = pkg.files.reduce((n, f) => n + f.bytes, 0);
  let done = 0;
  for (const f of pkg.files) {
    const bytes = await f.read();
    zip.add(`${pkg.root}/${f.path}`, bytes);
    done += f.bytes;
    await progress(Math.min(done, total), total);
  }
  return zip.finish();
}
