import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the built binary in child processes; one process per test file.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
