import { defineConfig } from 'tsup';
import { packageBuild } from '../../scripts/tsup.base';

const base = packageBuild(['src/index.ts']);

// shims: `import.meta.url` in the CommonJS build (the tweet normaliser loads emoji names with
// createRequire(import.meta.url)). `entities` ships only ES modules, which require() loads only
// from Node 20.19 on, so the CommonJS build carries its own copy (the decoder, about 40 kB); the
// ES module build imports the dependency. Each build cleans only its own files, as they run at
// the same time.
export default defineConfig([
  { ...base, format: ['esm'], clean: ['**/*.js', '**/*.js.map', '**/*.d.ts'] },
  { ...base, format: ['cjs'], clean: ['**/*.cjs', '**/*.cjs.map', '**/*.d.cts'], shims: true, noExternal: ['entities'] },
]);
