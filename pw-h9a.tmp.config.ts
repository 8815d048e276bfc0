import base from './playwright.config';
export default {
  ...base,
  outputDir: '/tmp/pw-h9a-out',
  reporter: [['list']],
  use: { ...base.use, baseURL: 'http://localhost:4275' },
  webServer: { command: 'npx vite preview --outDir /tmp/h9a-dist --port 4275 --strictPort', url: 'http://localhost:4275', reuseExistingServer: false, timeout: 60_000 },
};
