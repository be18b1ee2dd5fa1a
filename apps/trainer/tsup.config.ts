import { defineConfig } from 'tsup';

// A private app: one ESM entry with a shebang; dependencies stay external (installed with it).
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  clean: true,
  outDir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
