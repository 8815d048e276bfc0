import base from './playwright.config';
export default {
  ...base,
  outputDir: '/tmp/h9b-pw/artifacts',
  reporter: [['list']],
  use: { ...base.use, baseURL: 'http://localhost:4181' },
  webServer: { command: 'npx vite preview --outDir /tmp/h9b-dist --port 4181 --strictPort', url: 'http://localhost:4181', reuseExistingServer: true, timeout: 60000 },
};
