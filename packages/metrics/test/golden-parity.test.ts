import { describe, expect, it } from 'vitest';
import { classificationReport, computeMetric, confusionMatrix, METRIC_NAMES, type MetricName } from '../src/index.js';
import { loadGolden, type MetricsCase } from './golden.js';

const golden = loadGolden<MetricsCase>('metrics');
const TOL = 1e-12;

function close(actual: number, expected: number, what: string): void {
  if (!(Math.abs(actual - expected) <= TOL)) {
    expect.fail(`${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > ${TOL})`);
  }
}

const FIELD: Record<MetricName, keyof MetricsCase> = {
  accuracy: 'accuracy',
  f1Macro: 'f1_macro',
  f1Weighted: 'f1_weighted',
  f1Micro: 'f1_micro',
  precisionMacro: 'precision_macro',
  precisionWeighted: 'precision_weighted',
  precisionMicro: 'precision_micro',
  recallMacro: 'recall_macro',
  recallWeighted: 'recall_weighted',
  recallMicro: 'recall_micro',
};

describe('golden parity with scikit-learn (fixtures/golden/metrics.json)', () => {
  it('has the cases this suite expects', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(golden.cases.map((c, i) => [i, c] as const))('case %i', (i, c) => {
    const r = classificationReport(c.labels, c.predictions, { numClasses: c.numClasses });

    it('accuracy and every average of precision, recall and F1', () => {
      close(r.accuracy, c.accuracy, `case ${i} accuracy`);
      for (const stat of ['precision', 'recall', 'f1'] as const) {
        for (const avg of ['macro', 'weighted', 'micro'] as const) {
          close(r[stat][avg], c[`${stat}_${avg}`], `case ${i} ${stat}_${avg}`);
        }
      }
    });

    it('per-class F1 and support', () => {
      expect(r.perClass).toHaveLength(c.numClasses);
      r.perClass.forEach((pc, k) => {
        close(pc.f1, c.f1_per_class[k] as number, `case ${i} f1_per_class[${k}]`);
        expect(pc.support).toBe((c.confusion[k] as number[]).reduce((a, b) => a + b, 0));
        expect(pc.index).toBe(k);
      });
    });

    it('confusion matrix (rows = true class), exactly', () => {
      expect(r.confusion).toEqual(c.confusion);
      expect(confusionMatrix(c.labels, c.predictions, { numClasses: c.numClasses })).toEqual(c.confusion);
    });

    it('the fast metric path gives the same numbers', () => {
      for (const name of METRIC_NAMES) {
        close(computeMetric(c.labels, c.predictions, name, { numClasses: c.numClasses }), c[FIELD[name]] as number, `case ${i} ${name}`);
      }
    });
  });

  it('includes a class absent from labels and predictions in macro averages (labels=range(numClasses))', () => {
    // Case 3: class 2 never occurs and is never predicted; sklearn's macro F1 divides by 4.
    const c = golden.cases.find((g) => g.confusion.some((row, k) => row.every((v) => v === 0) && g.confusion.every((r) => r[k] === 0)));
    expect(c).toBeDefined();
    const g = c as MetricsCase;
    const sum = g.f1_per_class.reduce((a, b) => a + b, 0);
    close(g.f1_macro, sum / g.numClasses, 'golden macro = mean over all C classes');
    const include = classificationReport(g.labels, g.predictions, { numClasses: g.numClasses });
    close(include.f1.macro, g.f1_macro, 'include');
    // torchmetrics 0.11 drops the class with tp + fp + fn = 0: mean over C − 1 classes.
    const exclude = classificationReport(g.labels, g.predictions, { numClasses: g.numClasses, absentClasses: 'exclude' });
    close(exclude.f1.macro, sum / (g.numClasses - 1), 'exclude');
    expect(exclude.f1.weighted).toBe(include.f1.weighted);
    expect(exclude.f1.micro).toBe(include.f1.micro);
    expect(exclude.perClass).toEqual(include.perClass);
  });
});
