import { defineConfig } from 'tsup';
import { packageBuild } from '../../scripts/tsup.base';

export default defineConfig(packageBuild(['src/index.ts']));
