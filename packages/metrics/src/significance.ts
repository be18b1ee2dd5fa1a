import { MmauxMetricsError } from './errors.js';
import { type Metric, type MetricOptions, prepare, type Scorer } from './metric.js';
import { checkConfidence, checkSamples } from './resampling.js';
import { type RandomnessOptions, resolveRng, type Rng } from './rng.js';
import { show } from './validate.js';

/**
 * Which difference counts as evidence, with d = metric(A) − metric(B):
 * `'two-sided'` (A ≠ B), `'greater'` (A better than B), `'less'` (A worse than B).
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** Options of {@link pairedBootstrapTest} and {@link approximateRandomizationTest}. */
export interface SignificanceOptions extends MetricOptions, RandomnessOptions {
  /** Number of resamples (bootstrap) or shuffles (randomization). @defaultValue 1000 */
  samples?: number;
  /** Coverage of the returned interval for d. @defaultValue 0.95 */
  confidence?: number;
  /** The alternative hypothesis. @defaultValue 'two-sided' */
  alternative?: Alternative;
}

/** What a paired significance test returns. */
export interface SignificanceResult {
  /** Which test produced it. */
  test: 'paired-bootstrap' | 'approximate-randomization';
  /** d = metric(predsA) − metric(predsB) on the full test set. */
  observed: number;
  /** The p-value for `alternative`, in (0, 1]; exactly 1 when A and B predict identically. */
  pValue: number;
  /** Paired percentile bootstrap interval for d at `confidence`. */
  interval: [number, number];
  /** Number of resamples or shuffles used. */
  samples: number;
  /** The alternative tested. */
  alternative: Alternative;
  /** Coverage of `interval`. */
  confidence: number;
  /** metric(predsA) on the full test set. */
  metricA: number;
  /** metric(predsB) on the full test set. */
  metricB: number;
}

/** @internal */
export function checkAlternative(fn: string, v: unknown): Alternative {
  if (v === undefined) return 'two-sided';
  if (v !== 'two-sided' && v !== 'greater' && v !== 'less') {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.alternative must be 'two-sided', 'greater' or 'less', got ${show(v)}.`);
  }
  return v;
}

/**
 * @internal Differences closer than this (relative to max(1, |d|)) count as ties, so that
 * floating-point noise in a metric never decides "at least as extreme".
 */
export const TIE_TOLERANCE = 1e-12;

/**
 * @internal True when `stat` is at least as extreme as `reference` in the direction of `alt`.
 * two-sided: |stat| ≥ |reference|; greater: stat ≥ reference; less: stat ≤ reference (ties,
 * within {@link TIE_TOLERANCE}, count).
 */
export function atLeastAsExtreme(stat: number, reference: number, alt: Alternative, tol: number): boolean {
  if (alt === 'two-sided') return Math.abs(stat) >= Math.abs(reference) - tol;
  if (alt === 'greater') return stat >= reference - tol;
  return stat <= reference + tol;
}

/** @internal Everything both paired tests start from, validated. */
export interface PairedSetup {
  rng: Rng;
  samples: number;
  confidence: number;
  alternative: Alternative;
  n: number;
  numClasses: number;
  labels: Int32Array;
  a: Int32Array;
  b: Int32Array;
  scorer: Scorer;
  metricA: number;
  metricB: number;
  /** d = metricA − metricB on the full test set. */
  observed: number;
  /** Tie tolerance for comparisons with `observed`. */
  tol: number;
}

/** @internal Validates the inputs and options of a paired test and scores both systems once. */
export function preparePaired(
  fn: string,
  labels: ArrayLike<number>,
  predsA: ArrayLike<number>,
  predsB: ArrayLike<number>,
  metric: Metric,
  options: SignificanceOptions,
): PairedSetup {
  const opts = options ?? {};
  const rng = resolveRng(fn, opts);
  const samples = checkSamples(fn, opts.samples, 1000);
  const confidence = checkConfidence(fn, opts.confidence);
  const alternative = checkAlternative(fn, opts.alternative);
  const prepared = prepare(fn, labels, [['predsA', predsA], ['predsB', predsB]], metric, opts);
  const [a, b] = prepared.predictions as [Int32Array, Int32Array];
  const metricA = prepared.scorer.fromArrays(prepared.labels, a);
  const metricB = prepared.scorer.fromArrays(prepared.labels, b);
  const observed = metricA - metricB;
  return {
    rng,
    samples,
    confidence,
    alternative,
    n: prepared.n,
    numClasses: prepared.numClasses,
    labels: prepared.labels,
    a,
    b,
    scorer: prepared.scorer,
    metricA,
    metricB,
    observed,
    tol: TIE_TOLERANCE * Math.max(1, Math.abs(observed)),
  };
}
