import type { Options } from 'tsup';

/**
 * Build options every published @mmaux package shares: ESM + CJS with their own
 * declaration files (`.d.ts` / `.d.cts`), source maps, and every dependency and peer
 * left external (tsup's default), so a user's own tfjs copy is the one that runs.
 * A package's `tsup.config.ts` names only its entries.
 */
export function packageBuild(entry: string[]): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    outDir: 'dist',
    tsconfig: 'tsconfig.build.json',
  };
}
