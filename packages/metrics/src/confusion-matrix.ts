import { checkNumClasses, checkPaired, readClasses } from './validate.js';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** Number of classes C; labels and predictions must lie in `[0, C)`. */
  numClasses: number;
}

/**
 * The C × C confusion matrix, rows = true class, columns = predicted class (scikit-learn's
 * `confusion_matrix(labels, predictions, labels=range(C))`).
 *
 * @param labels - true class index per example, integers in `[0, C)`
 * @param predictions - predicted class index per example, same length
 * @param options - `numClasses` (required)
 * @returns `matrix[t][p]` = number of examples of true class t predicted as p
 * @throws MmauxMetricsError `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_LABEL`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * confusionMatrix([0, 0, 1, 2], [0, 1, 1, 1], { numClasses: 3 }); // [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
 * ```
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  options: ConfusionMatrixOptions,
): number[][] {
  const fn = 'confusionMatrix';
  const c = checkNumClasses(fn, options?.numClasses);
  checkPaired(fn, 'labels', labels, 'predictions', predictions);
  const y = readClasses(fn, 'labels', labels, c);
  const p = readClasses(fn, 'predictions', predictions, c);
  return toRows(countConfusion(y, p, c), c);
}

/** @internal Flat row-major counts `conf[t·C + p]`. */
export function countConfusion(labels: Int32Array, predictions: Int32Array, numClasses: number): Float64Array {
  const conf = new Float64Array(numClasses * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const k = (labels[i] as number) * numClasses + (predictions[i] as number);
    conf[k] = (conf[k] as number) + 1;
  }
  return conf;
}

/** @internal Flat row-major → nested rows of plain numbers. */
export function toRows(conf: ArrayLike<number>, numClasses: number): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < numClasses; t++) {
    const row = new Array<number>(numClasses);
    for (let p = 0; p < numClasses; p++) row[p] = conf[t * numClasses + p] as number;
    rows.push(row);
  }
  return rows;
}

/** @internal tp, predicted (tp + fp) and support (tp + fn) per class from a flat confusion. */
export function marginals(
  conf: ArrayLike<number>,
  numClasses: number,
): { tp: Float64Array; predicted: Float64Array; support: Float64Array } {
  const tp = new Float64Array(numClasses);
  const predicted = new Float64Array(numClasses);
  const support = new Float64Array(numClasses);
  for (let t = 0; t < numClasses; t++) {
    for (let p = 0; p < numClasses; p++) {
      const v = conf[t * numClasses + p] as number;
      support[t] = (support[t] as number) + v;
      predicted[p] = (predicted[p] as number) + v;
    }
    tp[t] = conf[t * numClasses + t] as number;
  }
  return { tp, predicted, support };
}
