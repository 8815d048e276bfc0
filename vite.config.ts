import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precacheManifest } from './scripts/precache-plugin';
import { CSP, CSP_DEV, cspMeta } from './scripts/csp';
import { watModules } from './scripts/wat-plugin';
import { webPackage } from './scripts/web-package-plugin';

// Cross-origin isolation makes SharedArrayBuffer available, which the multi-threaded WASM backend needs.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

// No request may leave the origin (scripts/csp.ts). Sent on every response, so the worker gets it too.
export const securityHeaders = { ...isolationHeaders, 'Content-Security-Policy': CSP } as const;

export default defineConfig({
  // webPackage emits its files before precacheManifest lists the bundle.
  plugins: [react(), webPackage(), precacheManifest(), cspMeta(), watModules()],
  server: { headers: { ...isolationHeaders, 'Content-Security-Policy': CSP_DEV }, port: 5173 },
  preview: { headers: securityHeaders, port: 4173 },
  worker: { format: 'es', plugins: () => [watModules()] },
  optimizeDeps: {
    // The worker is only reachable through `new Worker(new URL(...))`, which the dependency scan does
    // not follow; scanning it up front avoids a mid-load re-optimisation that reloads the page.
    // tfjs-backend-wasm must be pre-bundled: it imports CommonJS files (wasm-out/*.js) that the dev
    // server cannot serve as ES modules. Its .wasm binaries come from `?url` imports in workers/backend.ts.
    entries: ['index.html', 'workers/*.worker.ts'],
    include: ['@tensorflow/tfjs-backend-wasm'],
  },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
});
