import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // After each file: no Chromium process and no listening server or child process left behind.
    setupFiles: ['test/support/hygiene.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more workers only contend for the same CPU and the same PostgreSQL.
    maxWorkers: 2,
  },
});
