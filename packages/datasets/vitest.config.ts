import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Plain TypeScript with no global state: the default thread pool is fine.
    testTimeout: 30_000,
  },
});
