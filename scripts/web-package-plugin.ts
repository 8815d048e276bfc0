import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin, type Rollup } from 'vite';
import { watModules } from './wat-plugin';

/**
 * Builds the code of the web scoring package ("Export for the web") into the app under
 * `web-package/`, where the engine fetches it to write the zip: `detector.js` (the package's ES
 * module, src/web-package/detector.ts with TF.js left as bare imports), `vendor/` (TF.js and its
 * WASM and WebGPU backends as ES modules sharing one core, and the WASM binaries, for the package's
 * offline index.html) and `files.json` (the list, with sizes). The vendor build depends only on the
 * installed packages, so it is cached by package-lock.json.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_PACKAGE_DIR = 'web-package';
const TFJS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'];
const WASM_DIR = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const VENDOR_PREFIX = '\0web-package-vendor:';

type Files = Map<string, Uint8Array>;

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript',
  json: 'application/json',
  wasm: 'application/wasm',
};

function outputFiles(result: Awaited<ReturnType<typeof build>>, prefix: string, into: Files): void {
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  for (const out of outputs)
    for (const item of out.output) {
      if (item.fileName.endsWith('.map')) continue;
      const source = item.type === 'chunk' ? item.code : item.source;
      into.set(
        prefix + item.fileName,
        typeof source === 'string' ? new TextEncoder().encode(source) : source,
      );
    }
}

async function buildDetector(into: Files): Promise<void> {
  const result = await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    plugins: [watModules()],
    build: {
      write: false,
      target: 'es2022',
      minify: 'esbuild',
      lib: {
        entry: join(ROOT, 'src/web-package/detector.ts'),
        formats: ['es'],
        fileName: () => 'detector.js',
      },
      rollupOptions: { external: TFJS },
    },
  });
  outputFiles(result, '', into);
}

/** TF.js and both backends, each an entry re-exporting its package, over one shared core chunk. */
async function buildVendor(into: Files): Promise<void> {
  const key = createHash('sha256')
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  const cache = join(ROOT, 'node_modules/.cache/dmgrd-web-package', key);
  if (!existsSync(cache)) {
    const files: Files = new Map();
    const result = await build({
      configFile: false,
      root: ROOT,
      logLevel: 'warn',
      plugins: [
        {
          name: 'web-package-vendor-entries',
          resolveId: (id) => (id.startsWith(VENDOR_PREFIX) ? id : null),
          load: (id) =>
            id.startsWith(VENDOR_PREFIX) ? `export * from '${id.slice(VENDOR_PREFIX.length)}';\n` : null,
        },
      ],
      build: {
        write: false,
        target: 'es2022',
        minify: 'esbuild',
        rollupOptions: {
          input: Object.fromEntries(TFJS.map((p) => [p.split('/')[1], VENDOR_PREFIX + p])),
          preserveEntrySignatures: 'strict',
          output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        },
      },
    });
    outputFiles(result, '', files);
    for (const f of readdirSync(WASM_DIR).filter((n) => n.endsWith('.wasm')))
      files.set(f, readFileSync(join(WASM_DIR, f)));
    // Written aside and renamed: another checkout building at the same time never sees half a cache.
    const tmp = `${cache}.${process.pid}.tmp`;
    for (const [name, bytes] of files) {
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), bytes);
    }
    try {
      renameSync(tmp, cache);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  for (const file of walk(cache)) into.set(`vendor/${relative(cache, file)}`, readFileSync(file));
}

/** Every file of the package's code, keyed by its path under web-package/, with files.json. */
export async function webPackageFiles(): Promise<Files> {
  const files: Files = new Map();
  await buildDetector(files);
  await buildVendor(files);
  const list = [...files]
    .map(([path, bytes]) => ({ path, bytes: bytes.byteLength }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  files.set('files.json', new TextEncoder().encode(`${JSON.stringify({ files: list }, null, 1)}\n`));
  return files;
}

export function webPackage(): Plugin {
  let files: Promise<Files> | null = null;
  return {
    name: 'dmgrd-web-package',
    async generateBundle() {
      for (const [path, source] of await webPackageFiles())
        this.emitFile({ type: 'asset', fileName: `${WEB_PACKAGE_DIR}/${path}`, source });
    },
    configureServer(server) {
      // The dev server builds the package code on its first request and keeps it.
      server.middlewares.use(`/${WEB_PACKAGE_DIR}/`, (req, res, next) => {
        files ??= webPackageFiles();
        files
          .then((all) => {
            const bytes = all.get(decodeURIComponent((req.url ?? '').split('?')[0].replace(/^\//, '')));
            if (!bytes) return next();
            const ext = (req.url ?? '').split('?')[0].split('.').pop() ?? '';
            res.setHeader('Content-Type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
            res.end(bytes);
          })
          .catch(next);
      });
    },
  };
}
