import { defineConfig } from 'vitest/config';
import { watModules } from './scripts/wat-plugin';

export default defineConfig({
  plugins: [watModules()],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    setupFiles: ['test/helpers/between-tests.ts'],
  },
});
