import { readFileSync } from 'node:fs';

// A copy of ../shared/golden kept in the repository so tests run from a fresh clone;
// test/golden-copy.test.ts checks it still equals the shared original when that is present.
export const GOLDEN_DIR = new URL('../../../fixtures/golden/', import.meta.url);

export interface GoldenFile<C> {
  generator: string;
  seed: number;
  cases: C[];
}

export function loadGolden<C>(name: string): GoldenFile<C> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN_DIR), 'utf8')) as GoldenFile<C>;
}

export interface ItcCase {
  text: number[][];
  image: number[][];
  logitScale: number;
  logitsPerText: number[][];
  loss: number;
  gradText?: number[][];
  gradImage?: number[][];
  gradLogitScale?: number;
  note?: string;
}

export interface ItmCase {
  logits: number[][];
  labels: number[];
  loss: number;
  gradLogits: number[][];
}

export interface WeightedCeCase {
  logits: number[][];
  labels: number[];
  trainLabels: number[];
  classWeights: number[];
  batchMean: number;
  gradBatchMean: number[][];
  weightedMean: number;
  gradWeightedMean: number[][];
}

export interface JointCase {
  betaItc: number;
  betaItm: number;
  classLogits: number[][];
  labels: number[];
  text: number[][];
  image: number[][];
  logitScale: number;
  itmLogits: number[][];
  itmLabels: number[];
  ce: number;
  itc: number;
  itm: number;
  total: number;
}
