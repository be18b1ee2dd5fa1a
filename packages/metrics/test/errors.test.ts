import { describe, expect, it } from 'vitest';
import {
  aggregateSeeds,
  approximateRandomizationTest,
  bootstrapInterval,
  classificationReport,
  computeMetric,
  confusionMatrix,
  createRng,
  type MetricsErrorCode,
  MmauxMetricsError,
  multilabelReport,
  pairedBootstrapTest,
} from '../src/index.js';

function expectError(f: () => unknown, code: MetricsErrorCode, message: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(MmauxMetricsError);
  expect((thrown as MmauxMetricsError).code).toBe(code);
  expect((thrown as MmauxMetricsError).name).toBe('MmauxMetricsError');
  expect((thrown as Error).message).toMatch(message);
}

describe('bad input gives a typed error naming the index and value', () => {
  const opts = { numClasses: 3 };

  it('different lengths', () => {
    expectError(() => classificationReport([0, 1, 2], [0, 1], opts), 'LENGTH_MISMATCH', /labels has 3 entries but predictions has 2; labels\[2\] = 2/);
    expectError(() => confusionMatrix([0], [0, 1], opts), 'LENGTH_MISMATCH', /predictions\[1\] = 1 has no counterpart/);
    expectError(() => pairedBootstrapTest([0, 1], [0, 1], [0], 'accuracy', { seed: 1 }), 'LENGTH_MISMATCH', /predsB has 1/);
    expectError(() => multilabelReport([[0, 1]], [[0, 1], [1, 1]]), 'LENGTH_MISMATCH', /1 rows but predictionMatrix has 2/);
    expectError(() => multilabelReport([[0, 1], [1]], [[0, 1], [1, 1]]), 'LENGTH_MISMATCH', /labelMatrix\[1\] has 1 labels/);
  });

  it('empty input', () => {
    expectError(() => classificationReport([], [], opts), 'EMPTY_INPUT', /empty/);
    expectError(() => computeMetric([], [], 'accuracy'), 'EMPTY_INPUT', /empty/);
    expectError(() => aggregateSeeds([]), 'EMPTY_INPUT', /values is empty/);
    expectError(() => multilabelReport([], []), 'EMPTY_INPUT', /no rows/);
    expectError(() => multilabelReport([[]], [[]]), 'EMPTY_INPUT', /L = 0/);
  });

  it('labels outside [0, numClasses) and non-integers', () => {
    expectError(() => classificationReport([0, 1, 3], [0, 1, 2], opts), 'INVALID_LABEL', /classificationReport: labels\[2\] = 3 is outside \[0, 2\]/);
    expectError(
      () => classificationReport([0, 1, 2], [0, 3.5, 2], opts),
      'INVALID_LABEL',
      /classificationReport: predictions\[1\] = 3\.5 is not an integer class index in \[0, 2\]/,
    );
    expectError(() => classificationReport([0, -1], [0, 0], opts), 'INVALID_LABEL', /labels\[1\] = -1/);
    expectError(() => classificationReport([0, Number.NaN], [0, 0], opts), 'INVALID_LABEL', /labels\[1\] = NaN/);
    expectError(() => classificationReport([0, '1' as unknown as number], [0, 0], opts), 'INVALID_LABEL', /labels\[1\] = "1"/);
    expectError(() => computeMetric([0, 1.5], [0, 0], 'accuracy'), 'INVALID_LABEL', /labels\[1\] = 1\.5/);
    expectError(() => bootstrapInterval([0, 1], [0, 4], 'accuracy', { seed: 1, numClasses: 2 }), 'INVALID_LABEL', /predictions\[1\] = 4/);
    expectError(() => multilabelReport([[0, 1]], [[0, 0.5]]), 'INVALID_LABEL', /predictionMatrix\[0\]\[1\] = 0\.5 is not 0 or 1/);
  });

  it('non-finite values', () => {
    expectError(() => aggregateSeeds([0.5, Number.POSITIVE_INFINITY]), 'NON_FINITE', /values\[1\] = Infinity/);
    expectError(() => bootstrapInterval([0, 1], [0, 1], () => Number.NaN, { seed: 1 }), 'NON_FINITE', /returned NaN/);
  });

  it('options: numClasses, classNames, absentClasses, metric, samples, confidence, alternative', () => {
    expectError(() => classificationReport([0], [0], { numClasses: 0 }), 'INVALID_OPTION', /numClasses must be a positive integer/);
    expectError(() => classificationReport([0], [0], { numClasses: 5000 }), 'INVALID_OPTION', /numClasses = 5000 is above 4096/);
    expectError(() => computeMetric([0, 123456], [0, 0], 'accuracy'), 'INVALID_OPTION', /numClasses = 123457 is above 4096/);
    expectError(() => classificationReport([0], [0], { numClasses: 2, classNames: ['a'] }), 'INVALID_OPTION', /one name per class \(2\)/);
    expectError(
      () => classificationReport([0], [0], { numClasses: 1, absentClasses: 'drop' as 'exclude' }),
      'INVALID_OPTION',
      /absentClasses/,
    );
    expectError(() => computeMetric([0], [0], 'f1' as 'f1Macro'), 'INVALID_OPTION', /metric must be one of/);
    expectError(() => bootstrapInterval([0], [0], 'accuracy', { seed: 1, samples: 0 }), 'INVALID_OPTION', /samples/);
    expectError(() => bootstrapInterval([0], [0], 'accuracy', { seed: 1, confidence: 95 }), 'INVALID_OPTION', /confidence/);
    expectError(
      () => approximateRandomizationTest([0], [0], [0], 'accuracy', { seed: 1, alternative: 'bigger' as 'greater' }),
      'INVALID_OPTION',
      /alternative/,
    );
  });

  it('randomness must be passed in: no rng and no seed is an error; a broken rng is caught', () => {
    for (const f of [
      () => bootstrapInterval([0, 1], [0, 1], 'accuracy', {}),
      () => pairedBootstrapTest([0, 1], [0, 1], [1, 1], 'accuracy', {}),
      () => approximateRandomizationTest([0, 1], [0, 1], [1, 1], 'accuracy', {}),
    ]) {
      expectError(f, 'INVALID_OPTION', /pass options\.rng .* or options\.seed; resampling is always seeded/);
    }
    expectError(() => bootstrapInterval([0, 1], [0, 1], 'accuracy', { seed: 1.5 }), 'INVALID_OPTION', /seed must be an integer/);
    expectError(() => bootstrapInterval([0, 1], [0, 1], 'accuracy', { rng: () => 1 }), 'INVALID_OPTION', /rng\(\) returned 1/);
    expectError(() => approximateRandomizationTest([0, 1], [0, 1], [1, 1], 'accuracy', { rng: () => Number.NaN }), 'INVALID_OPTION', /returned NaN/);
    expectError(() => createRng(0.5), 'INVALID_OPTION', /seed must be an integer/);
  });
});

describe('createRng', () => {
  it('is mulberry32, the same stream as @mmaux/losses createRng', () => {
    const r = createRng(42);
    expect(r()).toBe(0.6011037519201636);
    const a = createRng(7);
    const b = createRng(7);
    for (let i = 0; i < 100; i++) {
      const v = a();
      expect(v).toBe(b());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
