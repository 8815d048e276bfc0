// `npm run bench:speed:bundle`: bench:speed as one Node program in dist-node/, dependencies inside, to
// copy to a GPU machine that has Node but no npm registry, browser or display, and run there with
// --dawn (see docs/performance.md, "On a GPU machine without a browser"). Playwright and Vite stay out: only the
// Chromium host needs them, and it is imported on demand.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { watModules } from '../wat-plugin';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  plugins: [watModules()],
  logLevel: 'warn',
  publicDir: false,
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: 'scripts/speed/node-entry.ts',
    outDir: 'dist-node',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      external: ['@playwright/test', 'playwright', 'vite'],
      output: {
        entryFileNames: 'bench-speed.mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs',
        // TF.js's Node platform calls require(); ES modules have none of their own.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    },
  },
});
