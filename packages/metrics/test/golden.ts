export { GOLDEN_DIR, type GoldenFile, loadGolden } from '../../../scripts/test-utils/golden.js';

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
