import { MmauxLossError } from './errors.js';

// The package targets browsers and Node alike and builds without DOM or Node typings.
declare const console: { warn(message: string): void };

/** Options of {@link balancedClassWeights}. */
export interface ClassWeightOptions {
  /** Receives the warning for classes absent from `labels`. @defaultValue `console.warn` */
  onWarning?: (message: string) => void;
}

/**
 * scikit-learn's "balanced" class weights, `n / (numClasses · count_c)`, computed on the
 * training labels (as the paper: the training split, or the subsample in low-resource runs).
 * A class absent from `labels` gets weight 0 and a warning, never Infinity or NaN.
 *
 * @param labels - class index per training example
 * @param numClasses - number of classes C (labels must lie in [0, C))
 * @param options - `onWarning` (`console.warn`)
 * @returns one weight per class, length C
 * @throws MmauxLossError `EMPTY_BATCH` (no labels), `INVALID_LABEL`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * balancedClassWeights([0, 0, 0, 1], 2); // [0.6667, 2]
 * ```
 */
export function balancedClassWeights(
  labels: ArrayLike<number>,
  numClasses: number,
  options: ClassWeightOptions = {},
): number[] {
  const fn = 'balancedClassWeights';
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: numClasses must be a positive integer, got ${String(numClasses)}.`);
  }
  const n = labels.length;
  if (n === 0) {
    throw new MmauxLossError('EMPTY_BATCH', `${fn}: labels is empty; pass the training split's labels.`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new MmauxLossError('INVALID_LABEL', `${fn}: labels[${i}] = ${String(y)} is not a class index in [0, ${numClasses - 1}].`);
    }
    counts[y] = (counts[y] as number) + 1;
  }
  const absent = counts.flatMap((c, k) => (c === 0 ? [k] : []));
  if (absent.length > 0) {
    (options.onWarning ?? console.warn)(
      `${fn}: class${absent.length > 1 ? 'es' : ''} ${absent.join(', ')} never occur in the ${n} labels; weight 0 (those examples will not count in the loss).`,
    );
  }
  return counts.map((c) => (c === 0 ? 0 : n / (numClasses * c)));
}
