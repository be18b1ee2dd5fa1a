import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One process per file: tfjs keeps its engine and registries on globalThis.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
