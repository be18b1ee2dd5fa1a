import type { Metric } from './metric.js';
import { bootstrapLoop, percentileInterval } from './resampling.js';
import { atLeastAsExtreme, preparePaired, type SignificanceOptions, type SignificanceResult } from './significance.js';

/**
 * Paired bootstrap test of "A scores differently from (or better than) B on this test set"
 * (Efron & Tibshirani 1993 §16.4; Berg-Kirkpatrick, Burkett & Klein 2012), with d =
 * metric(A) − metric(B):
 *
 * 1. Draw B resamples of N example indices with replacement (⌊u·N⌋ per `rng()` value) and
 *    score both systems on the same indices: d*_b = metric(A*_b) − metric(B*_b).
 * 2. Shift to the null (the resampled differences centred on d estimate d's spread around 0):
 *    count resamples with |d*_b − d| ≥ |d| (`'two-sided'`), d*_b − d ≥ d (`'greater'`), or
 *    d*_b − d ≤ d (`'less'`); ties within 1e-12 count.
 * 3. p = (count + 1) / (B + 1); `interval` is the percentile interval of the d*_b.
 *
 * Identical predictions give d*_b = d = 0 for every resample, hence p = 1 exactly.
 * Deterministic for a given `rng`/`seed`.
 *
 * @param labels - true class index per example
 * @param predsA - system A's predictions (e.g. +C+M), same length
 * @param predsB - system B's predictions (e.g. the base model), same length
 * @param metric - a {@link MetricName} (fast confusion-matrix path) or a {@link MetricFunction}
 * @param options - `rng` or `seed` (one is required), `samples` (1000), `confidence` (0.95),
 *   `alternative` (`'two-sided'`), `numClasses`, `absentClasses` (`'include'`)
 * @returns `{ test, observed, pValue, interval, samples, alternative, confidence, metricA, metricB }`
 * @throws MmauxMetricsError `INVALID_OPTION`, `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_LABEL`,
 *   `NON_FINITE`
 *
 * @example
 * ```ts
 * const labels = Array.from({ length: 100 }, (_, i) => i % 3);
 * const base = labels.map((y, i) => (i % 4 === 0 ? (y + 1) % 3 : y));
 * const cm = labels.slice();
 * const t = pairedBootstrapTest(labels, cm, base, 'accuracy', { seed: 3, alternative: 'greater' });
 * t.observed; // 0.25
 * t.pValue; // 0.000999000999000999
 * pairedBootstrapTest(labels, base, base, 'f1Macro', { seed: 3 }).pValue; // 1
 * ```
 */
export function pairedBootstrapTest(
  labels: ArrayLike<number>,
  predsA: ArrayLike<number>,
  predsB: ArrayLike<number>,
  metric: Metric,
  options: SignificanceOptions,
): SignificanceResult {
  const { rng, samples, confidence, alternative, labels: y, a, b, scorer, metricA, metricB, observed, tol } = preparePaired(
    'pairedBootstrapTest', labels, predsA, predsB, metric, options,
  );
  const diffs = new Float64Array(samples);
  let count = 0;
  bootstrapLoop('pairedBootstrapTest', rng, scorer, y, [a, b], samples, (k, v) => {
    const d = (v[0] as number) - (v[1] as number);
    diffs[k] = d;
    if (atLeastAsExtreme(d - observed, observed, alternative, tol)) count++;
  });
  return {
    test: 'paired-bootstrap',
    observed,
    pValue: (count + 1) / (samples + 1),
    interval: percentileInterval(diffs, confidence),
    samples,
    alternative,
    confidence,
    metricA,
    metricB,
  };
}
