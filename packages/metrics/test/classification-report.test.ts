import { describe, expect, it } from 'vitest';
import { classificationReport, type ClassificationReport, computeMetric, createRng, METRIC_NAMES } from '../src/index.js';
import { noisyPredictions, randomClasses, refAverages } from './reference.js';

function allFinite(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  if (typeof x === 'string') return true;
  if (Array.isArray(x)) return x.every(allFinite);
  if (x && typeof x === 'object') return Object.values(x).every(allFinite);
  return false;
}

function averages(r: ClassificationReport) {
  return { accuracy: r.accuracy, precision: r.precision, recall: r.recall, f1: r.f1 };
}

describe('classificationReport: hand-checked edge cases', () => {
  it('one class only (C = 1): everything is 1', () => {
    const r = classificationReport([0, 0, 0], [0, 0, 0], { numClasses: 1 });
    const one = { macro: 1, weighted: 1, micro: 1 };
    expect(averages(r)).toEqual({ accuracy: 1, precision: one, recall: one, f1: one });
    expect(r.confusion).toEqual([[3]]);
    expect(r.perClass).toEqual([{ index: 0, name: '0', precision: 1, recall: 1, f1: 1, support: 3 }]);
  });

  it('only one class in the labels (C = 2)', () => {
    // class 0: tp 0, fp 1, fn 0 → P = 0, R = 0/0 = 0, F1 = 0, support 0
    // class 1: tp 3, fp 0, fn 1 → P = 1, R = 3/4, F1 = 2·0.75/1.75 = 6/7, support 4
    const r = classificationReport([1, 1, 1, 1], [1, 0, 1, 1], { numClasses: 2 });
    expect(r.accuracy).toBe(0.75);
    expect(r.perClass.map((c) => [c.precision, c.recall, c.support])).toEqual([
      [0, 0, 0],
      [1, 0.75, 4],
    ]);
    expect(r.perClass[0]?.f1).toBe(0);
    expect(r.perClass[1]?.f1).toBeCloseTo(6 / 7, 15);
    expect(r.precision).toEqual({ macro: 0.5, weighted: 1, micro: 0.75 });
    expect(r.recall).toEqual({ macro: 0.375, weighted: 0.75, micro: 0.75 });
    expect(r.f1.macro).toBeCloseTo(3 / 7, 15);
    expect(r.f1.weighted).toBeCloseTo(6 / 7, 15);
    expect(r.f1.micro).toBeCloseTo(0.75, 15);
    expect(r.confusion).toEqual([
      [0, 0],
      [1, 3],
    ]);
    // class 0 was predicted once (fp = 1), so torchmetrics keeps it too
    expect(classificationReport([1, 1, 1, 1], [1, 0, 1, 1], { numClasses: 2, absentClasses: 'exclude' }).f1.macro).toBeCloseTo(3 / 7, 15);
  });

  it('a class that is never predicted scores 0 (zero_division = 0), never NaN', () => {
    // class 0: P 1, R 1, F 1; class 1: tp 1, fp 2 → P 1/3, R 1, F1 0.5; class 2: P 0/0 = 0, R 0, F 0
    const r = classificationReport([0, 1, 2, 2], [0, 1, 1, 1], { numClasses: 3 });
    expect(r.accuracy).toBe(0.5);
    expect(r.perClass[2]).toEqual({ index: 2, name: '2', precision: 0, recall: 0, f1: 0, support: 2 });
    expect(r.precision.macro).toBeCloseTo(4 / 9, 15);
    expect(r.recall.macro).toBeCloseTo(2 / 3, 15);
    expect(r.f1.macro).toBeCloseTo(0.5, 15);
    expect(r.f1.weighted).toBeCloseTo(0.375, 15);
    expect(r.precision.weighted).toBeCloseTo((1 + 1 / 3) / 4, 15);
    expect(r.recall.weighted).toBe(0.5);
    expect(allFinite(r)).toBe(true);
  });

  it('a perfect predictor scores 1 everywhere', () => {
    const labels = [0, 1, 2, 2, 1, 0, 2];
    const r = classificationReport(labels, labels, { numClasses: 3 });
    expect(averages(r)).toEqual({
      accuracy: 1,
      precision: { macro: 1, weighted: 1, micro: 1 },
      recall: { macro: 1, weighted: 1, micro: 1 },
      f1: { macro: 1, weighted: 1, micro: 1 },
    });
    expect(r.confusion).toEqual([
      [2, 0, 0],
      [0, 2, 0],
      [0, 0, 3],
    ]);
  });

  it('a perfect predictor with a class absent from the test set: macro 3/4 (sklearn) or 1 (torchmetrics)', () => {
    const labels = [0, 1, 2, 2];
    const include = classificationReport(labels, labels, { numClasses: 4 });
    expect(include.f1.macro).toBe(0.75);
    expect(include.precision.macro).toBe(0.75);
    expect(include.f1.weighted).toBe(1);
    expect(include.accuracy).toBe(1);
    const exclude = classificationReport(labels, labels, { numClasses: 4, absentClasses: 'exclude' });
    expect(exclude.f1.macro).toBe(1);
    expect(exclude.recall.macro).toBe(1);
    expect(computeMetric(labels, labels, 'f1Macro', { numClasses: 4, absentClasses: 'exclude' })).toBe(1);
    expect(computeMetric(labels, labels, 'f1Macro', { numClasses: 4 })).toBe(0.75);
  });

  it('an all-wrong predictor scores 0 everywhere', () => {
    const r = classificationReport([0, 1, 2, 0], [1, 2, 0, 2], { numClasses: 3 });
    const zero = { macro: 0, weighted: 0, micro: 0 };
    expect(averages(r)).toEqual({ accuracy: 0, precision: zero, recall: zero, f1: zero });
    expect(r.confusion).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });

  it('names classes and accepts typed arrays', () => {
    const r = classificationReport(Int32Array.from([0, 1, 1]), Float64Array.from([0, 1, 0]), {
      numClasses: 2,
      classNames: ['negative', 'positive'],
    });
    expect(r.perClass.map((c) => c.name)).toEqual(['negative', 'positive']);
    expect(r.support).toBe(3);
    expect(r.numClasses).toBe(2);
  });
});

describe('classificationReport: agrees with an independent naive implementation', () => {
  const rng = createRng(11);
  const cases = Array.from({ length: 60 }, (_, k) => {
    const numClasses = 1 + (k % 7);
    const n = 1 + Math.floor(rng() * 300);
    // Skewed labels so some classes are rare or absent.
    const labels = randomClasses(rng, n, numClasses).map((y) => (rng() < 0.3 ? 0 : y));
    const preds = numClasses > 1 ? noisyPredictions(rng, labels, numClasses, rng()) : labels.slice();
    return { numClasses, labels, preds };
  });

  it.each([false, true])('60 random cases, absentClasses exclude = %s, to 1e-12', (exclude) => {
    for (const { numClasses, labels, preds } of cases) {
      const r = classificationReport(labels, preds, { numClasses, absentClasses: exclude ? 'exclude' : 'include' });
      const ref = refAverages(labels, preds, numClasses, exclude);
      expect(allFinite(r)).toBe(true);
      expect(r.accuracy).toBeCloseTo(ref.accuracy, 12);
      for (const stat of ['precision', 'recall', 'f1'] as const) {
        for (const avg of ['macro', 'weighted', 'micro'] as const) {
          expect(Math.abs(r[stat][avg] - ref[stat][avg])).toBeLessThanOrEqual(1e-12);
        }
        r.perClass.forEach((pc, c) => expect(Math.abs(pc[stat] - ref.perClass[stat][c]!)).toBeLessThanOrEqual(1e-12));
      }
      for (const name of METRIC_NAMES) {
        const [stat, avg] = name === 'accuracy' ? (['accuracy', ''] as const) : ([name.replace(/(Macro|Weighted|Micro)$/, ''), name.match(/(Macro|Weighted|Micro)$/)![1]!.toLowerCase()] as const);
        const expected = stat === 'accuracy' ? r.accuracy : r[stat as 'f1'][avg as 'macro'];
        expect(computeMetric(labels, preds, name, { numClasses, absentClasses: exclude ? 'exclude' : 'include' })).toBe(expected);
      }
    }
  });
});
