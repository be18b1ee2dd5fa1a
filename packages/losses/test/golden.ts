export { GOLDEN_DIR, type GoldenFile, loadGolden } from '../../../scripts/test-utils/golden.js';

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
