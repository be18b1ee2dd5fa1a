import { type Metric, type MetricOptions, prepare } from './metric.js';
import { bootstrapLoop, checkConfidence, checkSamples, percentileInterval } from './resampling.js';
import { type RandomnessOptions, resolveRng } from './rng.js';

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions extends MetricOptions, RandomnessOptions {
  /** Number of bootstrap resamples B. @defaultValue 1000 */
  samples?: number;
  /** Coverage of the interval. @defaultValue 0.95 */
  confidence?: number;
}

/** What {@link bootstrapInterval} returns. */
export interface BootstrapInterval {
  /** The metric on the full test set. */
  estimate: number;
  /** Percentile interval `[lo, hi]` of the resampled metric. */
  interval: [number, number];
  /** Standard deviation of the B resampled values (the bootstrap standard error). */
  standardError: number;
  /** The coverage used. */
  confidence: number;
  /** The number of resamples B. */
  samples: number;
}

/**
 * A percentile bootstrap confidence interval for a metric on one test set. Each of B resamples
 * draws N examples with replacement (one `rng()` call per draw: index ⌊u·N⌋), scores the
 * metric on it, and the interval is the (1 − confidence)/2 and (1 + confidence)/2 quantiles of
 * the B values (linear interpolation, numpy's default). Deterministic for a given `rng`/`seed`.
 *
 * @param labels - true class index per example
 * @param predictions - predicted class index per example, same length
 * @param metric - a {@link MetricName} (fast confusion-matrix path) or a {@link MetricFunction}
 * @param options - `rng` or `seed` (one is required), `samples` (1000), `confidence` (0.95),
 *   `numClasses` (1 + largest index seen), `absentClasses` (`'include'`)
 * @returns `{ estimate, interval, standardError, confidence, samples }`
 * @throws MmauxMetricsError `INVALID_OPTION` (no `rng`/`seed`, bad `samples`/`confidence`, an rng
 *   value outside [0, 1)), `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_LABEL`, `NON_FINITE`
 *
 * @example
 * ```ts
 * const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
 * const preds = [0, 1, 0, 1, 0, 1, 0, 1, 1, 0];
 * const b = bootstrapInterval(labels, preds, 'accuracy', { seed: 1, samples: 200 });
 * b.estimate; // 0.8
 * b.interval[0] <= 0.8 && 0.8 <= b.interval[1]; // true
 * bootstrapInterval(labels, labels, 'f1Macro', { seed: 1 }).interval; // [1,1]
 * ```
 */
export function bootstrapInterval(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  metric: Metric,
  options: BootstrapOptions,
): BootstrapInterval {
  const fn = 'bootstrapInterval';
  const opts = options ?? {};
  const rng = resolveRng(fn, opts);
  const samples = checkSamples(fn, opts.samples, 1000);
  const confidence = checkConfidence(fn, opts.confidence);
  const { labels: y, predictions: [p], scorer } = prepare(fn, labels, [['predictions', predictions]], metric, opts);
  const estimate = scorer.fromArrays(y, p as Int32Array);
  const values = new Float64Array(samples);
  bootstrapLoop(fn, rng, scorer, y, [p as Int32Array], samples, (b, v) => {
    values[b] = v[0] as number;
  });
  let mean = 0;
  for (let b = 0; b < samples; b++) mean += values[b] as number;
  mean /= samples;
  let ss = 0;
  for (let b = 0; b < samples; b++) ss += ((values[b] as number) - mean) ** 2;
  const standardError = samples > 1 ? Math.sqrt(ss / (samples - 1)) : 0;
  return { estimate, interval: percentileInterval(values, confidence), standardError, confidence, samples };
}
