import { readFileSync } from 'node:fs';

// The scikit-learn reference values kept in the repository (fixtures/golden, a copy of
// shared/golden), so tests run from a fresh clone.
export const GOLDEN_DIR = new URL('../../../fixtures/golden/', import.meta.url);

export interface GoldenFile<C> {
  generator: string;
  seed: number;
  cases: C[];
}

export function loadGolden<C>(name: string): GoldenFile<C> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN_DIR), 'utf8')) as GoldenFile<C>;
}

/** One case of metrics.json (scikit-learn 1.2, labels=range(numClasses), zero_division=0). */
export interface MetricsCase {
  labels: number[];
  predictions: number[];
  numClasses: number;
  accuracy: number;
  f1_macro: number;
  precision_macro: number;
  recall_macro: number;
  f1_weighted: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_micro: number;
  precision_micro: number;
  recall_micro: number;
  f1_per_class: number[];
  confusion: number[][];
}
