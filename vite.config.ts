import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation makes SharedArrayBuffer available, which the multi-threaded WASM backend needs.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

export default defineConfig({
  plugins: [react()],
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173 },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
});
