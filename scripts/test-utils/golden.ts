import { readFileSync } from 'node:fs';

/**
 * The PyTorch / scikit-learn reference values kept in the repository (fixtures/golden, a copy of
 * the project's shared/golden) so that tests run from a fresh clone;
 * packages/losses/test/golden-copy.test.ts checks the copy against the original when present.
 */
export const GOLDEN_DIR = new URL('../../fixtures/golden/', import.meta.url);

export interface GoldenFile<C> {
  generator: string;
  seed: number;
  cases: C[];
}

export function loadGolden<C>(name: string): GoldenFile<C> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN_DIR), 'utf8')) as GoldenFile<C>;
}
