import { MmauxMetricsError } from './errors.js';
import { type Averages, fScore, safeDivide, scoresFromCounts } from './scores.js';
import { show } from './validate.js';

/** Options of {@link multilabelReport}. */
export interface MultilabelReportOptions {
  /** One display name per label column (length L). @defaultValue `['0', '1', …]` */
  labelNames?: readonly string[];
}

/** Scores of one label column in a {@link MultilabelReport}. */
export interface LabelScore {
  /** The column index. */
  index: number;
  /** The label name (`labelNames[index]`, or the index as text). */
  name: string;
  /** tp / (tp + fp) over the rows; 0 when the label is never predicted. */
  precision: number;
  /** tp / (tp + fn); 0 when the label never occurs. */
  recall: number;
  /** 2·P·R / (P + R); 0 when P + R = 0. */
  f1: number;
  /** Number of rows where the label is truly 1. */
  support: number;
}

/** Macro, weighted, micro and per-sample averages of one multilabel score. */
export interface MultilabelAveragedScore extends Averages {
  /** Mean over rows of the row's own score (scikit-learn `average='samples'`). */
  samples: number;
}

/** What {@link multilabelReport} returns; every number is finite. */
export interface MultilabelReport {
  /** Fraction of rows whose whole predicted label set equals the true set (scikit-learn `accuracy_score`). */
  subsetAccuracy: number;
  /** Fraction of the N·L label decisions that are wrong (scikit-learn `hamming_loss`). */
  hammingLoss: number;
  /** Precision averaged four ways. */
  precision: MultilabelAveragedScore;
  /** Recall averaged four ways. */
  recall: MultilabelAveragedScore;
  /** F1 averaged four ways. */
  f1: MultilabelAveragedScore;
  /** One entry per label column. */
  perLabel: LabelScore[];
  /** One 2 × 2 matrix per label, `[[tn, fp], [fn, tp]]` (scikit-learn `multilabel_confusion_matrix`). */
  confusion: number[][][];
  /** Number of rows N. */
  support: number;
  /** Number of label columns L. */
  numLabels: number;
}

/**
 * Multilabel scores with scikit-learn 1.2's definitions and `zero_division=0`, for N rows of L
 * binary labels (1 = the label applies):
 *
 * - per label: P, R, F1 over the rows of that column (each 0 when its denominator is 0)
 * - macro = mean over the L labels; weighted = Σ support·score / Σ support (0 when no label is ever true)
 * - micro: P, R, F1 of the tp, fp, fn summed over all N·L cells
 * - samples: each row's own P, R, F1 (over its L cells, 0/0 = 0), averaged over the N rows
 * - subset accuracy: rows predicted exactly; Hamming loss: wrong cells / (N·L)
 *
 * @param labelMatrix - N rows of L true labels, each 0 or 1
 * @param predictionMatrix - N rows of L predicted labels (e.g. sigmoid ≥ 0.5), each 0 or 1
 * @param options - `labelNames`
 * @returns the report; no field is ever NaN
 * @throws MmauxMetricsError `LENGTH_MISMATCH` (rows or columns), `EMPTY_INPUT`, `INVALID_LABEL`
 *   (a cell that is not 0 or 1, naming row and column), `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const r = multilabelReport([[1, 0, 1], [0, 1, 0]], [[1, 0, 0], [0, 1, 1]]);
 * r.subsetAccuracy; // 0
 * r.hammingLoss; // ≈ 0.3333333333
 * r.f1.micro; // ≈ 0.6666666667
 * r.f1.macro; // ≈ 0.6666666667
 * r.f1.samples; // ≈ 0.6666666667
 * r.confusion[2]; // [[0,1],[1,0]]
 * ```
 */
export function multilabelReport(
  labelMatrix: ArrayLike<ArrayLike<number>>,
  predictionMatrix: ArrayLike<ArrayLike<number>>,
  options: MultilabelReportOptions = {},
): MultilabelReport {
  const fn = 'multilabelReport';
  const { n, l } = checkMatrices(fn, labelMatrix, predictionMatrix);
  const names = labelNamesOf(fn, options?.labelNames, l);
  const tp = new Float64Array(l);
  const fp = new Float64Array(l);
  const fnc = new Float64Array(l);
  let exact = 0;
  let wrong = 0;
  const rowSums = { p: 0, r: 0, f: 0 };
  for (let i = 0; i < n; i++) {
    const yRow = labelMatrix[i] as ArrayLike<number>;
    const pRow = predictionMatrix[i] as ArrayLike<number>;
    let rowTp = 0;
    let rowPred = 0;
    let rowTrue = 0;
    let rowWrong = 0;
    for (let j = 0; j < l; j++) {
      const y = cell(fn, 'labelMatrix', yRow, i, j);
      const p = cell(fn, 'predictionMatrix', pRow, i, j);
      if (y === 1 && p === 1) {
        tp[j] = (tp[j] as number) + 1;
        rowTp++;
      } else if (p === 1) {
        fp[j] = (fp[j] as number) + 1;
        rowWrong++;
      } else if (y === 1) {
        fnc[j] = (fnc[j] as number) + 1;
        rowWrong++;
      }
      rowPred += p;
      rowTrue += y;
    }
    if (rowWrong === 0) exact++;
    wrong += rowWrong;
    const rp = safeDivide(rowTp, rowPred);
    const rr = safeDivide(rowTp, rowTrue);
    rowSums.p += rp;
    rowSums.r += rr;
    rowSums.f += fScore(rp, rr);
  }
  const predicted = new Float64Array(l);
  const support = new Float64Array(l);
  for (let j = 0; j < l; j++) {
    predicted[j] = (tp[j] as number) + (fp[j] as number);
    support[j] = (tp[j] as number) + (fnc[j] as number);
  }
  const s = scoresFromCounts(tp, predicted, support, 'include');
  const perLabel: LabelScore[] = [];
  const confusion: number[][][] = [];
  for (let j = 0; j < l; j++) {
    perLabel.push({
      index: j,
      name: names[j] as string,
      precision: s.precision[j] as number,
      recall: s.recall[j] as number,
      f1: s.f1[j] as number,
      support: support[j] as number,
    });
    const t = tp[j] as number;
    const f = fp[j] as number;
    const m = fnc[j] as number;
    confusion.push([
      [n - t - f - m, f],
      [m, t],
    ]);
  }
  return {
    subsetAccuracy: exact / n,
    hammingLoss: wrong / (n * l),
    precision: { ...s.averages.precision, samples: rowSums.p / n },
    recall: { ...s.averages.recall, samples: rowSums.r / n },
    f1: { ...s.averages.f1, samples: rowSums.f / n },
    perLabel,
    confusion,
    support: n,
    numLabels: l,
  };
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { length?: unknown }).length === 'number';
}

function checkMatrices(fn: string, y: unknown, p: unknown): { n: number; l: number } {
  for (const [name, m] of [
    ['labelMatrix', y],
    ['predictionMatrix', p],
  ] as const) {
    if (!isArrayLike(m)) {
      throw new MmauxMetricsError('INVALID_OPTION', `${fn}: ${name} must be an array of rows (N × L of 0/1), got ${m === null ? 'null' : typeof m}.`);
    }
  }
  const ym = y as ArrayLike<unknown>;
  const pm = p as ArrayLike<unknown>;
  if (ym.length !== pm.length) {
    throw new MmauxMetricsError(
      'LENGTH_MISMATCH',
      `${fn}: labelMatrix has ${ym.length} rows but predictionMatrix has ${pm.length}; row ${Math.min(ym.length, pm.length)} has no counterpart. Pass one prediction row per label row.`,
    );
  }
  const n = ym.length;
  if (n === 0) {
    throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: labelMatrix and predictionMatrix have no rows; a metric needs at least one example.`);
  }
  let l = -1;
  for (let i = 0; i < n; i++) {
    for (const [name, m] of [
      ['labelMatrix', ym],
      ['predictionMatrix', pm],
    ] as const) {
      const row = m[i];
      if (!isArrayLike(row)) {
        throw new MmauxMetricsError('INVALID_OPTION', `${fn}: ${name}[${i}] must be a row of 0/1 labels, got ${show(row)}.`);
      }
      if (l === -1) l = row.length;
      if (row.length !== l) {
        throw new MmauxMetricsError(
          'LENGTH_MISMATCH',
          `${fn}: ${name}[${i}] has ${row.length} labels but labelMatrix[0] has ${l}; every row must have the same L columns.`,
        );
      }
    }
  }
  if (l === 0) {
    throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: the rows have no label columns (L = 0); pass at least one label per row.`);
  }
  return { n, l };
}

function cell(fn: string, name: string, row: ArrayLike<number>, i: number, j: number): 0 | 1 {
  const v = row[j];
  if (v === 0 || v === 1) return v;
  throw new MmauxMetricsError('INVALID_LABEL', `${fn}: ${name}[${i}][${j}] = ${show(v)} is not 0 or 1; threshold scores into 0/1 labels first.`);
}

function labelNamesOf(fn: string, names: readonly string[] | undefined, l: number): string[] {
  if (names === undefined) return Array.from({ length: l }, (_, k) => String(k));
  if (!Array.isArray(names) || names.length !== l) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: options.labelNames must list one name per label column (${l}), got ${Array.isArray(names) ? `${names.length} names` : show(names)}.`,
    );
  }
  return names.map(String);
}
