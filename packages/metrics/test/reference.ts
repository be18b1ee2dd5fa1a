/**
 * Deliberately naive, independent re-implementations used to cross-check the package: loops
 * over examples per class, F1 as 2·tp / (2·tp + fp + fn), no shared code with src/.
 */

export interface RefScores {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

export function refPerClass(labels: number[], preds: number[], numClasses: number): RefScores {
  const out: RefScores = { precision: [], recall: [], f1: [], support: [] };
  for (let c = 0; c < numClasses; c++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    labels.forEach((y, i) => {
      const p = preds[i];
      if (y === c && p === c) tp++;
      else if (p === c) fp++;
      else if (y === c) fn++;
    });
    out.precision.push(tp + fp === 0 ? 0 : tp / (tp + fp));
    out.recall.push(tp + fn === 0 ? 0 : tp / (tp + fn));
    out.f1.push(2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
    out.support.push(tp + fn);
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function refAverages(labels: number[], preds: number[], numClasses: number, exclude = false) {
  const s = refPerClass(labels, preds, numClasses);
  const keep = (c: number) =>
    !exclude || labels.some((y, i) => y === c || preds[i] === c);
  const macro = (v: number[]) => mean(v.filter((_, c) => keep(c)));
  const n = labels.length;
  const weighted = (v: number[]) => v.reduce((a, x, c) => a + x * (s.support[c] as number), 0) / n;
  const acc = labels.filter((y, i) => y === preds[i]).length / n;
  return {
    accuracy: acc,
    precision: { macro: macro(s.precision), weighted: weighted(s.precision), micro: acc },
    recall: { macro: macro(s.recall), weighted: weighted(s.recall), micro: acc },
    f1: { macro: macro(s.f1), weighted: weighted(s.f1), micro: acc },
    perClass: s,
  };
}

/** scikit-learn's multilabel definitions, written out cell by cell. */
export function refMultilabel(y: number[][], p: number[][]) {
  const n = y.length;
  const l = (y[0] as number[]).length;
  const prf = (tp: number, fp: number, fn: number) => {
    const pr = tp + fp === 0 ? 0 : tp / (tp + fp);
    const rc = tp + fn === 0 ? 0 : tp / (tp + fn);
    return { p: pr, r: rc, f: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn) };
  };
  const cols: Array<{ p: number; r: number; f: number; support: number }> = [];
  let TP = 0;
  let FP = 0;
  let FN = 0;
  for (let j = 0; j < l; j++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const a = y[i]![j];
      const b = p[i]![j];
      if (a === 1 && b === 1) tp++;
      if (a === 0 && b === 1) fp++;
      if (a === 1 && b === 0) fn++;
    }
    TP += tp;
    FP += fp;
    FN += fn;
    cols.push({ ...prf(tp, fp, fn), support: tp + fn });
  }
  const rows = y.map((row, i) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    row.forEach((a, j) => {
      const b = p[i]![j];
      if (a === 1 && b === 1) tp++;
      if (a === 0 && b === 1) fp++;
      if (a === 1 && b === 0) fn++;
    });
    return prf(tp, fp, fn);
  });
  const total = cols.reduce((a, c) => a + c.support, 0);
  const avg = (k: 'p' | 'r' | 'f') => ({
    macro: mean(cols.map((c) => c[k])),
    weighted: total === 0 ? 0 : cols.reduce((a, c) => a + c[k] * c.support, 0) / total,
    micro: prf(TP, FP, FN)[k],
    samples: mean(rows.map((r) => r[k])),
  });
  let exact = 0;
  let wrong = 0;
  y.forEach((row, i) => {
    const w = row.filter((a, j) => a !== p[i]![j]).length;
    if (w === 0) exact++;
    wrong += w;
  });
  return {
    subsetAccuracy: exact / n,
    hammingLoss: wrong / (n * l),
    precision: avg('p'),
    recall: avg('r'),
    f1: avg('f'),
    perLabel: cols,
  };
}

/** Random class indices from a seeded source. */
export function randomClasses(rng: () => number, n: number, numClasses: number): number[] {
  return Array.from({ length: n }, () => Math.floor(rng() * numClasses));
}

/** Predictions that are right with probability `accuracy`, otherwise a uniformly wrong class. */
export function noisyPredictions(rng: () => number, labels: number[], numClasses: number, accuracy: number): number[] {
  return labels.map((y) => (rng() < accuracy ? y : (y + 1 + Math.floor(rng() * (numClasses - 1))) % numClasses));
}
