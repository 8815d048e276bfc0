import base from './playwright.config';
import { defineConfig } from '@playwright/test';
// Temporary (H-demo): own build folder and port so parallel helpers' builds do not collide.
export default defineConfig({
  ...base,
  outputDir: '/tmp/pw-demo-artifacts',
  reporter: [['list']],
  use: { ...base.use, baseURL: 'http://localhost:4179' },
  webServer: { command: 'npx vite preview --outDir /tmp/dist-demo --port 4179 --strictPort', url: 'http://localhost:4179', reuseExistingServer: false, timeout: 120_000 },
});
