import { describe, expect, it } from 'vitest';
import {
  type Alternative,
  approximateRandomizationTest,
  createRng,
  METRIC_NAMES,
  pairedBootstrapTest,
  type SignificanceOptions,
  type SignificanceResult,
} from '../src/index.js';
import { noisyPredictions, randomClasses, refAverages } from './reference.js';

type Test = (labels: number[], a: number[], b: number[], metric: Parameters<typeof pairedBootstrapTest>[3], o: SignificanceOptions) => SignificanceResult;
const TESTS: Array<[string, Test]> = [
  ['pairedBootstrapTest', pairedBootstrapTest],
  ['approximateRandomizationTest', approximateRandomizationTest],
];
const ALTERNATIVES: Alternative[] = ['two-sided', 'greater', 'less'];

const rng = createRng(31);
const labels = randomClasses(rng, 200, 3);
const good = noisyPredictions(rng, labels, 3, 0.9);
const poor = noisyPredictions(rng, labels, 3, 0.6);
const mid = noisyPredictions(rng, labels, 3, 0.7);

describe.each(TESTS)('%s', (name, test) => {
  it('identical predictions: p = 1 exactly, observed 0, interval [0, 0], for every metric and alternative', () => {
    for (const metric of METRIC_NAMES) {
      for (const alternative of ALTERNATIVES) {
        const r = test(labels, mid, mid.slice(), metric, { seed: 1, samples: 200, alternative, numClasses: 3 });
        expect(r.pValue).toBe(1);
        expect(r.observed).toBe(0);
        expect(r.interval).toEqual([0, 0]);
      }
    }
    const custom = test(labels, mid, mid, (y, p) => p.filter((v, i) => v === y[i]).length, { seed: 1, samples: 50 });
    expect(custom.pValue).toBe(1);
  });

  it('a clearly better system: p < 0.01 (two-sided and greater), p near 1 for less', () => {
    for (const metric of ['accuracy', 'f1Macro', 'f1Weighted'] as const) {
      const two = test(labels, good, poor, metric, { seed: 2, numClasses: 3 });
      expect(two.observed).toBeGreaterThan(0.2);
      expect(two.pValue).toBeLessThan(0.01);
      expect(two.interval[0]).toBeGreaterThan(0);
      expect(two.interval[0]).toBeLessThan(two.observed);
      expect(two.interval[1]).toBeGreaterThan(two.observed);
      expect(test(labels, good, poor, metric, { seed: 2, numClasses: 3, alternative: 'greater' }).pValue).toBeLessThan(0.01);
      expect(test(labels, good, poor, metric, { seed: 2, numClasses: 3, alternative: 'less' }).pValue).toBeGreaterThan(0.99);
    }
  });

  it('reports the pieces: observed = metricA − metricB, samples, defaults', () => {
    const r = test(labels, good, poor, 'accuracy', { seed: 3 });
    const ra = refAverages(labels, good, 3).accuracy;
    const rb = refAverages(labels, poor, 3).accuracy;
    expect(r.metricA).toBeCloseTo(ra, 15);
    expect(r.metricB).toBeCloseTo(rb, 15);
    expect(r.observed).toBe(r.metricA - r.metricB);
    expect(r.samples).toBe(1000);
    expect(r.alternative).toBe('two-sided');
    expect(r.confidence).toBe(0.95);
    expect(r.test).toBe(name === 'pairedBootstrapTest' ? 'paired-bootstrap' : 'approximate-randomization');
    expect(r.pValue).toBeGreaterThan(0);
  });

  it('is seeded and deterministic; swapping A and B mirrors greater and less exactly', () => {
    const a = test(labels, mid, poor, 'f1Macro', { seed: 8, samples: 300 });
    expect(test(labels, mid, poor, 'f1Macro', { rng: createRng(8), samples: 300 })).toEqual(a);
    const g = test(labels, mid, poor, 'f1Macro', { seed: 8, samples: 300, alternative: 'greater' });
    const l = test(labels, poor, mid, 'f1Macro', { seed: 8, samples: 300, alternative: 'less' });
    expect(l.pValue).toBe(g.pValue);
    expect(l.observed).toBe(-g.observed);
  });

  it('a metric function follows the same draws as the named metric', () => {
    const named = test(labels, mid, poor, 'f1Macro', { seed: 6, samples: 200, numClasses: 3 });
    const custom = test(labels, mid, poor, (y, p) => refAverages(Array.from(y), Array.from(p), 3).f1.macro, { seed: 6, samples: 200, numClasses: 3 });
    expect(custom.pValue).toBe(named.pValue);
    expect(Math.abs(custom.observed - named.observed)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(custom.interval[0] - named.interval[0])).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(custom.interval[1] - named.interval[1])).toBeLessThanOrEqual(1e-12);
  });

  it('null calibration: false-positive rate at 0.05 stays near 0.05 (1000 seeded simulations)', () => {
    const gen = createRng(2024);
    const sims = 1000;
    let rejections = 0;
    for (let s = 0; s < sims; s++) {
      const y = randomClasses(gen, 100, 3);
      // Two systems of equal quality whose errors are independent: exchangeable under H0.
      const a = noisyPredictions(gen, y, 3, 0.7);
      const b = noisyPredictions(gen, y, 3, 0.7);
      if (test(y, a, b, 'accuracy', { seed: s, samples: 299, numClasses: 3 }).pValue <= 0.05) rejections++;
    }
    const rate = rejections / sims;
    // Binomial standard error at 1000 simulations is 0.007; ±0.025 is over 3.5 standard errors.
    expect(rate).toBeGreaterThanOrEqual(0.025);
    expect(rate).toBeLessThanOrEqual(0.075);
  });
});

describe('pairedBootstrapTest: the documented shift-to-the-null p-value', () => {
  it('equals a naive re-implementation on the same draws', () => {
    const n = labels.length;
    for (const alternative of ALTERNATIVES) {
      const got = pairedBootstrapTest(labels, mid, poor, 'accuracy', { seed: 12, samples: 400, alternative });
      const draw = createRng(12);
      const acc = (p: number[], idx: number[]) => idx.filter((i) => p[i] === labels[i]).length / n;
      const all = labels.map((_, i) => i);
      const d = acc(mid, all) - acc(poor, all);
      let count = 0;
      for (let b = 0; b < 400; b++) {
        const idx = Array.from({ length: n }, () => Math.floor(draw() * n));
        const shifted = acc(mid, idx) - acc(poor, idx) - d;
        const hit =
          alternative === 'two-sided' ? Math.abs(shifted) >= Math.abs(d) - 1e-12 : alternative === 'greater' ? shifted >= d - 1e-12 : shifted <= d + 1e-12;
        if (hit) count++;
      }
      expect(got.pValue).toBe((count + 1) / 401);
    }
  });
});

describe('approximateRandomizationTest: converges to the exact permutation p-value', () => {
  // A and B disagree on 3 examples, A right on all three: of the 2³ equally likely swap
  // patterns only "no swap" reaches d (one-sided p = 1/8); "no swap" and "swap all" reach |d|
  // (two-sided p = 2/8).
  const y = [0, 1, 2, 0, 1, 2, 0, 1];
  const a = [0, 1, 2, 0, 1, 2, 0, 1];
  const b = [0, 1, 2, 0, 1, 0, 1, 2];

  it.each([
    ['greater', 1 / 8],
    ['two-sided', 2 / 8],
    ['less', 1],
  ] as const)('%s: p ≈ %d', (alternative, exact) => {
    const r = approximateRandomizationTest(y, a, b, 'accuracy', { seed: 5, samples: 20000, alternative });
    expect(Math.abs(r.pValue - exact)).toBeLessThan(0.01);
    expect(r.observed).toBe(3 / 8);
  });
});
