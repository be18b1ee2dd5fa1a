import { countConfusion, marginals, toRows } from './confusion-matrix.js';
import { MmauxMetricsError } from './errors.js';
import { type AbsentClasses, type Averages, scoresFromCounts } from './scores.js';
import { checkNumClasses, checkPaired, readClasses, show } from './validate.js';

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions {
  /** Number of classes C (1 to 4096); labels and predictions must lie in `[0, C)`. Every class is reported. */
  numClasses: number;
  /** One display name per class (length C). @defaultValue `['0', '1', …]` */
  classNames?: readonly string[];
  /**
   * Macro averages over classes with no true and no predicted example (tp + fp + fn = 0):
   * `'include'` counts them with P = R = F1 = 0 (scikit-learn with `labels=range(numClasses)`, what
   * the golden reference values use); `'exclude'` drops them from the mean, as torchmetrics 0.11
   * multiclass metrics do (the paper's code). Weighted and micro averages are the same either way.
   * @defaultValue 'include'
   */
  absentClasses?: AbsentClasses;
}

/** Scores of one class in a {@link ClassificationReport}. */
export interface ClassScore {
  /** The class index. */
  index: number;
  /** The class name (`classNames[index]`, or the index as text). */
  name: string;
  /** tp / (tp + fp); 0 when the class is never predicted. */
  precision: number;
  /** tp / (tp + fn); 0 when the class never occurs. */
  recall: number;
  /** 2·P·R / (P + R); 0 when P + R = 0. */
  f1: number;
  /** Number of examples whose true class is this one (tp + fn). */
  support: number;
}

/** The macro, weighted and micro averages of one score. */
export type AveragedScore = Averages;

/** What {@link classificationReport} returns; every number is finite. */
export interface ClassificationReport {
  /** Fraction of examples predicted correctly. */
  accuracy: number;
  /** Precision averaged three ways (see {@link classificationReport}). */
  precision: AveragedScore;
  /** Recall averaged three ways. */
  recall: AveragedScore;
  /** F1 averaged three ways. */
  f1: AveragedScore;
  /** One entry per class, in index order. */
  perClass: ClassScore[];
  /** C × C counts, rows = true class, columns = predicted class. */
  confusion: number[][];
  /** Number of examples N. */
  support: number;
  /** Number of classes C. */
  numClasses: number;
}

/**
 * Accuracy, precision, recall and F1 (macro / weighted / micro and per class) and the confusion
 * matrix for single-label classification, exactly as scikit-learn 1.2 computes them with
 * `labels=range(numClasses)` and `zero_division=0`:
 *
 * - per class c: P_c = tp_c / (tp_c + fp_c), R_c = tp_c / (tp_c + fn_c), F1_c = 2·P_c·R_c / (P_c + R_c), each 0 when its denominator is 0
 * - macro = (1/C)·Σ_c s_c (over the classes with tp + fp + fn > 0 when `absentClasses` is `'exclude'`)
 * - weighted = Σ_c support_c·s_c / N
 * - micro: P, R and F1 of the summed counts, which for single-label input all equal accuracy
 *
 * @param labels - true class index per example, integers in `[0, C)`
 * @param predictions - predicted class index per example (e.g. argmax of the logits), same length
 * @param options - `numClasses` (required), `classNames`, `absentClasses` (`'include'`)
 * @returns the report; no field is ever NaN
 * @throws MmauxMetricsError `LENGTH_MISMATCH`, `EMPTY_INPUT`, `INVALID_LABEL` (naming the index
 *   and value), `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const r = classificationReport([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], { numClasses: 3 });
 * r.accuracy; // 0.6
 * r.f1.macro; // ≈ 0.4333333333
 * r.f1.weighted; // 0.52
 * r.perClass[1]; // {"index":1,"name":"1","precision":0.6666666666666666,"recall":1,"f1":0.8,"support":2}
 * r.confusion; // [[1,1,0],[0,2,0],[1,0,0]]
 * classificationReport([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], { numClasses: 4 }).f1.macro; // 0.325
 * classificationReport([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], { numClasses: 4, absentClasses: 'exclude' }).f1.macro; // ≈ 0.4333333333
 * ```
 */
export function classificationReport(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  options: ClassificationReportOptions,
): ClassificationReport {
  const fn = 'classificationReport';
  const c = checkNumClasses(fn, options?.numClasses);
  const absent = checkAbsentClasses(fn, options.absentClasses);
  const names = classNamesOf(fn, options.classNames, c);
  const n = checkPaired(fn, 'labels', labels, 'predictions', predictions);
  const y = readClasses(fn, 'labels', labels, c);
  const p = readClasses(fn, 'predictions', predictions, c);
  const conf = countConfusion(y, p, c);
  const { tp, predicted, support } = marginals(conf, c);
  const s = scoresFromCounts(tp, predicted, support, absent);
  let correct = 0;
  for (let k = 0; k < c; k++) correct += tp[k] as number;
  const perClass: ClassScore[] = [];
  for (let k = 0; k < c; k++) {
    perClass.push({
      index: k,
      name: names[k] as string,
      precision: s.precision[k] as number,
      recall: s.recall[k] as number,
      f1: s.f1[k] as number,
      support: support[k] as number,
    });
  }
  return {
    accuracy: correct / n,
    precision: s.averages.precision,
    recall: s.averages.recall,
    f1: s.averages.f1,
    perClass,
    confusion: toRows(conf, c),
    support: n,
    numClasses: c,
  };
}

/** @internal */
export function checkAbsentClasses(fn: string, v: unknown): AbsentClasses {
  if (v === undefined) return 'include';
  if (v !== 'include' && v !== 'exclude') {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: options.absentClasses must be 'include' (scikit-learn, labels=range(numClasses)) or 'exclude' (torchmetrics 0.11), got ${show(v)}.`,
    );
  }
  return v;
}

function classNamesOf(fn: string, names: readonly string[] | undefined, c: number): string[] {
  if (names === undefined) return Array.from({ length: c }, (_, k) => String(k));
  if (!Array.isArray(names) || names.length !== c) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: options.classNames must list one name per class (${c}), got ${Array.isArray(names) ? `${names.length} names` : show(names)}.`,
    );
  }
  return names.map(String);
}
