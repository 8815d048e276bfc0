import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';

// .ci/run sets E2E_PORT to a free port when 4173 is taken (e.g. by another preview on a shared machine).
const PORT = Number(process.env.E2E_PORT ?? 4173);
// Testers sharing one machine each build into and serve their own bundle folder.
const DIST = process.env.E2E_DIST ?? 'dist';

// The system Chromium is used (never `npx playwright install`); SwiftShader gives it a WebGPU adapter.
export default defineConfig({
  testDir: 'e2e',
  outputDir: process.env.E2E_ARTIFACTS ?? 'test-results/artifacts',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // .ci/run points E2E_JSON into its own results folder, which it empties first, so counts are never stale.
  reporter: [['list'], ['json', { outputFile: process.env.E2E_JSON ?? 'test-results/playwright.json' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 720 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 720 },
        headless: true,
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: CHROMIUM_ARGS,
        },
      },
    },
  ],
  webServer: {
    // .ci/run builds first; the preview server sends the COOP/COEP headers from vite.config.ts.
    command: `npx vite preview --port ${PORT} --strictPort --outDir ${DIST}`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
