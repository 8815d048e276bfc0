import base from './playwright.config';
export default {
  ...base,
  outputDir: '/tmp/pw-parity-out',
  reporter: [['list']],
  use: { ...base.use, baseURL: 'http://localhost:4174' },
  webServer: { command: 'npx vite preview --outDir /tmp/dist-parity --port 4174 --strictPort', url: 'http://localhost:4174', reuseExistingServer: false, timeout: 60_000 },
};
