import type { Plugin } from 'vite';

/**
 * Writes `precache.json` into the build: every emitted file except source maps (hashed JS, CSS,
 * the WASM binaries), so the hand-written public/sw.js can cache the whole app on first load
 * without knowing the hashed names.
 */
export function precacheManifest(): Plugin {
  return {
    name: 'dmgrd-precache-manifest',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'precache.json')
        .sort();
      this.emitFile({
        type: 'asset',
        fileName: 'precache.json',
        source: `${JSON.stringify({ files: ['index.html', ...files.filter((f) => f !== 'index.html')] }, null, 1)}\n`,
      });
    },
  };
}
