import { defineConfig } from 'tsup';
import { packageBuild } from '../../scripts/tsup.base';

// shims: `import.meta.url` in the CommonJS build (the tweet normaliser loads emoji names with
// createRequire(import.meta.url)).
export default defineConfig({ ...packageBuild(['src/index.ts']), shims: true });
