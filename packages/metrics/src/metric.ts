import { checkAbsentClasses } from './classification-report.js';
import { MmauxMetricsError } from './errors.js';
import { type AbsentClasses, fScore, safeDivide } from './scores.js';
import { checkNumClasses, checkPaired, inferNumClasses, readClasses, show } from './validate.js';

/**
 * The metrics the resampling functions compute on their fast confusion-matrix path; each equals
 * the matching field of {@link classificationReport} (`f1Macro` is `report.f1.macro`, …).
 *
 * @example
 * ```ts
 * METRIC_NAMES.length; // 10
 * METRIC_NAMES.includes('f1Weighted'); // true
 * ```
 */
export const METRIC_NAMES = [
  'accuracy',
  'f1Macro',
  'f1Weighted',
  'f1Micro',
  'precisionMacro',
  'precisionWeighted',
  'precisionMicro',
  'recallMacro',
  'recallWeighted',
  'recallMicro',
] as const;

/** A metric by name; each equals the matching field of {@link classificationReport}. */
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A custom metric: called with validated Int32Array labels and predictions of equal, non-zero
 * length (a resample may repeat examples); must return a finite number.
 */
export type MetricFunction = (labels: Int32Array, predictions: Int32Array) => number;

/** A metric by name (fast path) or as a function. */
export type Metric = MetricName | MetricFunction;

/** Options that define how a metric is computed. */
export interface MetricOptions {
  /**
   * Number of classes C. Pass it whenever a class may be missing from the test set: with
   * `absentClasses: 'include'` it changes macro averages. @defaultValue 1 + the largest label or
   * prediction seen
   */
  numClasses?: number;
  /** See {@link ClassificationReportOptions.absentClasses}. @defaultValue 'include' */
  absentClasses?: AbsentClasses;
}

type Stat = 'precision' | 'recall' | 'f1';
type Avg = 'macro' | 'weighted' | 'micro';

/**
 * @internal A validated metric with scratch space: `fromConfusion` scores a flat C × C count
 * matrix (named metrics), `fromArrays` scores label/prediction arrays (any metric).
 */
export interface Scorer {
  readonly numClasses: number;
  /** Present for named metrics only. */
  readonly fromConfusion: ((conf: Float64Array, n: number) => number) | undefined;
  readonly fromArrays: (labels: Int32Array, predictions: Int32Array) => number;
}

/** @internal */
export function makeScorer(fn: string, metric: unknown, numClasses: number, absent: AbsentClasses): Scorer {
  if (typeof metric === 'function') {
    const f = metric as MetricFunction;
    return {
      numClasses,
      fromConfusion: undefined,
      fromArrays: (labels, predictions) => {
        const v = f(labels, predictions);
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new MmauxMetricsError(
            'NON_FINITE',
            `${fn}: the metric function returned ${show(v)} for ${labels.length} examples; it must return a finite number (treat 0/0 as 0).`,
          );
        }
        return v;
      },
    };
  }
  if (typeof metric !== 'string' || !(METRIC_NAMES as readonly string[]).includes(metric)) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: metric must be one of ${METRIC_NAMES.map((m) => `'${m}'`).join(', ')} or a function (labels, predictions) => number, got ${show(metric)}.`,
    );
  }
  const fromConfusion = confusionScorer(metric as MetricName, numClasses, absent);
  const conf = new Float64Array(numClasses * numClasses);
  return {
    numClasses,
    fromConfusion,
    fromArrays: (labels, predictions) => {
      conf.fill(0);
      for (let i = 0; i < labels.length; i++) {
        const k = (labels[i] as number) * numClasses + (predictions[i] as number);
        conf[k] = (conf[k] as number) + 1;
      }
      return fromConfusion(conf, labels.length);
    },
  };
}

/** @internal Scores a flat confusion for one named metric, reusing scratch arrays. */
function confusionScorer(name: MetricName, c: number, absent: AbsentClasses): (conf: Float64Array, n: number) => number {
  if (name === 'accuracy' || name.endsWith('Micro')) {
    // Single-label: Σtp / N for accuracy and for micro P, R and F1 alike.
    return (conf, n) => {
      let t = 0;
      for (let k = 0; k < c; k++) t += conf[k * c + k] as number;
      const acc = safeDivide(t, n);
      return name === 'f1Micro' ? fScore(acc, acc) : acc;
    };
  }
  const stat: Stat = name.startsWith('f1') ? 'f1' : name.startsWith('precision') ? 'precision' : 'recall';
  const avg: Avg = name.endsWith('Macro') ? 'macro' : 'weighted';
  const predicted = new Float64Array(c);
  const support = new Float64Array(c);
  return (conf, n) => {
    predicted.fill(0);
    support.fill(0);
    for (let t = 0; t < c; t++) {
      let row = 0;
      const off = t * c;
      for (let p = 0; p < c; p++) {
        const v = conf[off + p] as number;
        row += v;
        predicted[p] = (predicted[p] as number) + v;
      }
      support[t] = row;
    }
    let sum = 0;
    let kept = 0;
    for (let k = 0; k < c; k++) {
      const tp = conf[k * c + k] as number;
      const pr = predicted[k] as number;
      const s = support[k] as number;
      let v: number;
      if (stat === 'precision') v = safeDivide(tp, pr);
      else if (stat === 'recall') v = safeDivide(tp, s);
      else v = fScore(safeDivide(tp, pr), safeDivide(tp, s));
      if (avg === 'weighted') sum += v * s;
      else if (absent === 'include' || pr + s > 0) {
        sum += v;
        kept++;
      }
    }
    return avg === 'weighted' ? safeDivide(sum, n) : safeDivide(sum, kept);
  };
}

/**
 * @internal Validates `labels` and any number of prediction arrays against one another and the
 * options; returns them as Int32Arrays with the number of classes and the scorer.
 */
export function prepare(
  fn: string,
  labels: ArrayLike<number>,
  predictionSets: ReadonlyArray<readonly [string, ArrayLike<number>]>,
  metric: unknown,
  options: MetricOptions,
): { n: number; numClasses: number; labels: Int32Array; predictions: Int32Array[]; scorer: Scorer } {
  let n = 0;
  for (const [name, preds] of predictionSets) n = checkPaired(fn, 'labels', labels, name, preds);
  const absent = checkAbsentClasses(fn, options.absentClasses);
  const c =
    options.numClasses === undefined
      ? checkNumClasses(fn, inferNumClasses(fn, [['labels', labels], ...predictionSets]))
      : checkNumClasses(fn, options.numClasses);
  const y = readClasses(fn, 'labels', labels, c);
  const preds = predictionSets.map(([name, p]) => readClasses(fn, name, p, c));
  return { n, numClasses: c, labels: y, predictions: preds, scorer: makeScorer(fn, metric, c, absent) };
}

/**
 * One metric, by name or as a function, on one prediction set: the same number the resampling
 * functions compute on each resample.
 *
 * @param labels - true class index per example
 * @param predictions - predicted class index per example, same length
 * @param metric - a {@link MetricName} or a {@link MetricFunction}
 * @param options - `numClasses` (1 + largest index seen), `absentClasses` (`'include'`)
 * @returns the metric value, a finite number
 * @throws MmauxMetricsError `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_LABEL`, `INVALID_OPTION`,
 *   `NON_FINITE` (a metric function returned NaN or ±Infinity)
 *
 * @example
 * ```ts
 * computeMetric([0, 0, 1, 1], [0, 1, 1, 1], 'accuracy'); // 0.75
 * computeMetric([0, 0, 1, 1], [0, 1, 1, 1], 'f1Macro'); // ≈ 0.7333333333
 * computeMetric([0, 0, 1, 1], [0, 1, 1, 1], (y, p) => p.filter((v, i) => v === y[i]).length); // 3
 * ```
 */
export function computeMetric(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  metric: Metric,
  options: MetricOptions = {},
): number {
  const { labels: y, predictions: [p], scorer } = prepare('computeMetric', labels, [['predictions', predictions]], metric, options ?? {});
  return scorer.fromArrays(y, p as Int32Array);
}
