import { MmauxMetricsError } from './errors.js';
import { checkArray, checkFinite } from './validate.js';

/** Summary of one metric over runs with different seeds. */
export interface SeedSummary {
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation √(Σ(x − mean)² / (n − 1)); 0 when n = 1. */
  std: number;
  /** Number of values. */
  n: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
}

/**
 * Mean and sample standard deviation (n − 1 in the denominator, as `numpy.std(ddof=1)` and
 * `pandas.Series.std`) of one metric over seeds. A single value has std 0 rather than NaN.
 * The mean is computed with a second, compensating pass so that n equal values give exactly
 * that value and std 0.
 *
 * @param values - one finite value per seed
 * @returns `{ mean, std, n, min, max }`
 * @throws MmauxMetricsError `EMPTY_INPUT` (no values), `NON_FINITE` (naming the index and value)
 *
 * @example
 * ```ts
 * aggregateSeeds([0.62, 0.64, 0.66]); // {"mean":0.64,"std":0.020000000000000018,"n":3,"min":0.62,"max":0.66}
 * aggregateSeeds([0.7]).std; // 0
 * ```
 */
export function aggregateSeeds(values: ArrayLike<number>): SeedSummary {
  const fn = 'aggregateSeeds';
  const n = checkArray(fn, 'values', values);
  if (n === 0) {
    throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: values is empty; pass one metric value per seed.`);
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = checkFinite(fn, `values[${i}]`, values[i]);
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let mean = sum / n;
  // Second pass: corrects the rounding of the first mean and gives Σ(x − mean)².
  let residual = 0;
  for (let i = 0; i < n; i++) residual += (values[i] as number) - mean;
  mean += residual / n;
  if (mean < min) mean = min;
  if (mean > max) mean = max;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
  }
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  if (!Number.isFinite(mean) || !Number.isFinite(std)) {
    throw new MmauxMetricsError('NON_FINITE', `${fn}: the values overflow a double (mean ${mean}, std ${std}); rescale them.`);
  }
  return { mean, std, n, min, max };
}
