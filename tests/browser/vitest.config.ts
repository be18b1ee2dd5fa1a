import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Packing, bundling, starting Chromium and the Node runs happen once, in beforeAll.
    hookTimeout: 120_000,
    testTimeout: 90_000,
  },
});
