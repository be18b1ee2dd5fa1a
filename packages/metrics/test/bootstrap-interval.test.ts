import { describe, expect, it } from 'vitest';
import { bootstrapInterval, computeMetric, createRng } from '../src/index.js';
import { noisyPredictions, randomClasses, refAverages } from './reference.js';

/** numpy.quantile's default (linear) on an unsorted list. */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** The documented procedure, written out naively: B resamples of N draws ⌊u·N⌋ each. */
function naiveBootstrap(labels: number[], preds: number[], numClasses: number, seed: number, samples: number, confidence: number) {
  const rng = createRng(seed);
  const n = labels.length;
  const values: number[] = [];
  for (let b = 0; b < samples; b++) {
    const idx = Array.from({ length: n }, () => Math.floor(rng() * n));
    values.push(refAverages(idx.map((i) => labels[i]!), idx.map((i) => preds[i]!), numClasses).f1.macro);
  }
  const tail = (1 - confidence) / 2;
  return [quantile(values, tail), quantile(values, 1 - tail)];
}

describe('bootstrapInterval', () => {
  const rng = createRng(21);
  const labels = randomClasses(rng, 80, 3);
  const preds = noisyPredictions(rng, labels, 3, 0.65);

  it('follows the documented procedure exactly (same draws, same quantiles)', () => {
    const got = bootstrapInterval(labels, preds, 'f1Macro', { seed: 9, samples: 300, numClasses: 3 });
    const [lo, hi] = naiveBootstrap(labels, preds, 3, 9, 300, 0.95);
    expect(Math.abs(got.interval[0] - lo!)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(got.interval[1] - hi!)).toBeLessThanOrEqual(1e-12);
    expect(got.estimate).toBe(computeMetric(labels, preds, 'f1Macro', { numClasses: 3 }));
    expect(got.samples).toBe(300);
    expect(got.confidence).toBe(0.95);
    expect(got.interval[0]).toBeLessThan(got.estimate);
    expect(got.interval[1]).toBeGreaterThan(got.estimate);
    expect(got.standardError).toBeGreaterThan(0);
  });

  it('a metric function takes the same draws as the named metric', () => {
    const named = bootstrapInterval(labels, preds, 'f1Macro', { seed: 4, samples: 200, numClasses: 3 });
    const custom = bootstrapInterval(labels, preds, (y, p) => refAverages(Array.from(y), Array.from(p), 3).f1.macro, {
      seed: 4,
      samples: 200,
      numClasses: 3,
    });
    expect(Math.abs(custom.interval[0] - named.interval[0])).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(custom.interval[1] - named.interval[1])).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(custom.standardError - named.standardError)).toBeLessThanOrEqual(1e-12);
  });

  it('is deterministic: seed and rng: createRng(seed) give identical results', () => {
    const a = bootstrapInterval(labels, preds, 'accuracy', { seed: 77, samples: 100 });
    const b = bootstrapInterval(labels, preds, 'accuracy', { rng: createRng(77), samples: 100 });
    const c = bootstrapInterval(labels, preds, 'accuracy', { seed: 77, samples: 100 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(bootstrapInterval(labels, preds, 'accuracy', { seed: 78, samples: 100 })).not.toEqual(a);
  });

  it('a perfect predictor has the interval [1, 1]; lower confidence gives a narrower interval', () => {
    expect(bootstrapInterval(labels, labels, 'f1Weighted', { seed: 1 }).interval).toEqual([1, 1]);
    const wide = bootstrapInterval(labels, preds, 'accuracy', { seed: 2, confidence: 0.95 });
    const narrow = bootstrapInterval(labels, preds, 'accuracy', { seed: 2, confidence: 0.5 });
    expect(narrow.interval[0]).toBeGreaterThan(wide.interval[0]);
    expect(narrow.interval[1]).toBeLessThan(wide.interval[1]);
  });

  it('covers the true accuracy about 95% of the time (seeded simulation)', () => {
    const gen = createRng(100);
    const trials = 200;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const y = randomClasses(gen, 200, 2);
      const p = y.map((v) => (gen() < 0.7 ? v : 1 - v)); // true accuracy 0.7
      const { interval } = bootstrapInterval(y, p, 'accuracy', { seed: t, samples: 300, numClasses: 2 });
      if (interval[0] <= 0.7 && 0.7 <= interval[1]) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.89);
    expect(covered / trials).toBeLessThanOrEqual(0.99);
  });
});
