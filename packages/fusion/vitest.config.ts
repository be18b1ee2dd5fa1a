import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Resolve the workspace dependency from source, so tests need no build of @mmaux/losses.
    alias: { '@mmaux/losses': new URL('../losses/src/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One process per file: tfjs keeps its engine and registries on globalThis.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
