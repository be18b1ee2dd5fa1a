/**
 * @internal Per-class precision / recall / F1 and their averages from counts, with scikit-learn's
 * `zero_division=0` (scikit-learn 1.2 `precision_recall_fscore_support`): every 0/0 is 0, and
 * F1 = 2·P·R / (P + R), 0 when P + R = 0.
 */

/**
 * How macro averages treat a class with no true and no predicted example (tp + fp + fn = 0).
 * `'include'` (scikit-learn with `labels=range(numClasses)`): it counts, with P = R = F1 = 0.
 * `'exclude'` (torchmetrics 0.11 multiclass, the paper's code): it is dropped from the mean.
 */
export type AbsentClasses = 'include' | 'exclude';

/** @internal */
export interface Averages {
  macro: number;
  weighted: number;
  micro: number;
}

/** @internal */
export interface CountScores {
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  averages: { precision: Averages; recall: Averages; f1: Averages };
}

/** @internal 0/0 (and x/0) is 0, as `zero_division=0`. */
export function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** @internal F1 from precision and recall, exactly as scikit-learn 1.2 evaluates it. */
export function fScore(p: number, r: number): number {
  const denom = p + r;
  return denom === 0 ? 0 : (2 * p * r) / denom;
}

/**
 * @internal Scores from per-class counts: `tp[c]`, `predicted[c]` (tp + fp) and `support[c]`
 * (tp + fn). Macro is the unweighted mean over classes (over classes with tp + fp + fn > 0 when
 * `absent` is `'exclude'`), weighted uses `support` as weights (0 when Σ support = 0), micro
 * computes P, R, F1 from the summed counts.
 */
export function scoresFromCounts(
  tp: ArrayLike<number>,
  predicted: ArrayLike<number>,
  support: ArrayLike<number>,
  absent: AbsentClasses,
): CountScores {
  const k = tp.length;
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  let tpSum = 0;
  let predSum = 0;
  let supSum = 0;
  let kept = 0;
  const sums = { p: 0, r: 0, f: 0, wp: 0, wr: 0, wf: 0 };
  for (let c = 0; c < k; c++) {
    const t = tp[c] as number;
    const pr = predicted[c] as number;
    const s = support[c] as number;
    const p = safeDivide(t, pr);
    const r = safeDivide(t, s);
    const f = fScore(p, r);
    precision[c] = p;
    recall[c] = r;
    f1[c] = f;
    tpSum += t;
    predSum += pr;
    supSum += s;
    if (absent === 'include' || pr + s > 0) {
      kept++;
      sums.p += p;
      sums.r += r;
      sums.f += f;
    }
    sums.wp += p * s;
    sums.wr += r * s;
    sums.wf += f * s;
  }
  const microP = safeDivide(tpSum, predSum);
  const microR = safeDivide(tpSum, supSum);
  return {
    precision,
    recall,
    f1,
    averages: {
      precision: { macro: safeDivide(sums.p, kept), weighted: safeDivide(sums.wp, supSum), micro: microP },
      recall: { macro: safeDivide(sums.r, kept), weighted: safeDivide(sums.wr, supSum), micro: microR },
      f1: { macro: safeDivide(sums.f, kept), weighted: safeDivide(sums.wf, supSum), micro: fScore(microP, microR) },
    },
  };
}
