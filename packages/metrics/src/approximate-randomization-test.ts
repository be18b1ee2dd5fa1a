import type { Metric } from './metric.js';
import { bootstrapLoop, percentileInterval } from './resampling.js';
import { badRng } from './rng.js';
import { atLeastAsExtreme, preparePaired, type SignificanceOptions, type SignificanceResult } from './significance.js';

/**
 * Approximate randomization (paired permutation) test of "A scores differently from (or better
 * than) B on this test set" (Noreen 1989; Yeh 2000; Riezler & Maxwell 2005), with d =
 * metric(A) − metric(B):
 *
 * 1. R times: for every example where A and B predict differently, swap the two predictions
 *    with probability ½ (`rng() < 0.5`; examples where they agree are unaffected by a swap
 *    and draw nothing), and compute d*_r = metric(A*_r) − metric(B*_r).
 * 2. Count shuffles with |d*_r| ≥ |d| (`'two-sided'`), d*_r ≥ d (`'greater'`) or d*_r ≤ d
 *    (`'less'`); ties within 1e-12 count.
 * 3. p = (count + 1) / (R + 1), which is never 0 and is a valid p-value for any R.
 *
 * `interval` is a paired percentile bootstrap interval for d (as in
 * {@link pairedBootstrapTest}), from another `samples` resamples drawn after the shuffles.
 * Identical predictions give p = 1 exactly. Deterministic for a given `rng`/`seed`.
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
 * const t = approximateRandomizationTest(labels, cm, base, 'accuracy', { seed: 3, alternative: 'greater' });
 * t.observed; // 0.25
 * t.pValue; // 0.000999000999000999
 * approximateRandomizationTest(labels, base, base, 'f1Macro', { seed: 3 }).pValue; // 1
 * ```
 */
export function approximateRandomizationTest(
  labels: ArrayLike<number>,
  predsA: ArrayLike<number>,
  predsB: ArrayLike<number>,
  metric: Metric,
  options: SignificanceOptions,
): SignificanceResult {
  const fn = 'approximateRandomizationTest';
  const { rng, samples, confidence, alternative, n, numClasses: c, labels: y, a, b, scorer, metricA, metricB, observed, tol } =
    preparePaired(fn, labels, predsA, predsB, metric, options);

  // Only examples where the systems disagree can change under a swap.
  let m = 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) m++;
  const diff = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) if (a[i] !== b[i]) diff[k++] = i;

  let count = 0;
  const fromConfusion = scorer.fromConfusion;
  if (fromConfusion) {
    // Confusion counts shared by both systems, then add the disagreeing examples per shuffle.
    const shared = new Float64Array(c * c);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) {
        const k = (y[i] as number) * c + (a[i] as number);
        shared[k] = (shared[k] as number) + 1;
      }
    }
    const codeA = new Int32Array(m);
    const codeB = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const i = diff[k] as number;
      codeA[k] = (y[i] as number) * c + (a[i] as number);
      codeB[k] = (y[i] as number) * c + (b[i] as number);
    }
    const confA = new Float64Array(c * c);
    const confB = new Float64Array(c * c);
    for (let r = 0; r < samples; r++) {
      confA.set(shared);
      confB.set(shared);
      for (let k = 0; k < m; k++) {
        const u = rng();
        if (!(u >= 0 && u < 1)) badRng(fn, u);
        const ja = (u < 0.5 ? codeB[k] : codeA[k]) as number;
        const jb = (u < 0.5 ? codeA[k] : codeB[k]) as number;
        confA[ja] = (confA[ja] as number) + 1;
        confB[jb] = (confB[jb] as number) + 1;
      }
      const d = fromConfusion(confA, n) - fromConfusion(confB, n);
      if (atLeastAsExtreme(d, observed, alternative, tol)) count++;
    }
  } else {
    const sa = new Int32Array(n);
    const sb = new Int32Array(n);
    for (let r = 0; r < samples; r++) {
      sa.set(a);
      sb.set(b);
      for (let k = 0; k < m; k++) {
        const u = rng();
        if (!(u >= 0 && u < 1)) badRng(fn, u);
        if (u < 0.5) {
          const i = diff[k] as number;
          sa[i] = b[i] as number;
          sb[i] = a[i] as number;
        }
      }
      const d = scorer.fromArrays(y, sa) - scorer.fromArrays(y, sb);
      if (atLeastAsExtreme(d, observed, alternative, tol)) count++;
    }
  }

  const diffs = new Float64Array(samples);
  bootstrapLoop(fn, rng, scorer, y, [a, b], samples, (k, v) => {
    diffs[k] = (v[0] as number) - (v[1] as number);
  });
  return {
    test: 'approximate-randomization',
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
