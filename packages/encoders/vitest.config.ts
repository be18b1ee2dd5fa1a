import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Resolve the workspace dependency from source, so tests need no build of @mmaux/datasets.
    alias: { '@mmaux/datasets': new URL('../datasets/src/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One process per file: ONNX Runtime and sharp are native modules with their own threads.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
