import { defineConfig } from 'tsup';

// A private app: one ESM entry with a shebang; dependencies stay external (installed with it).
// Splitting keeps each command's `import()` in cli.ts a chunk of its own, loaded only when that
// command runs; without it esbuild inlines them and `mmaux --help` would load TensorFlow.js.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  splitting: true,
  target: 'es2022',
  sourcemap: true,
  clean: true,
  outDir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
