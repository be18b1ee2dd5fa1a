import { describe, expect, it } from 'vitest';
import { aggregateSeeds } from '../src/index.js';

describe('aggregateSeeds', () => {
  it('mean, sample std (n − 1), n, min, max, worked by hand', () => {
    // mean 5, squared deviations 9 + 1 + 1 + 9 = 20, / (4 − 1)
    const s = aggregateSeeds([2, 4, 6, 8]);
    expect(s).toEqual({ mean: 5, std: Math.sqrt(20 / 3), n: 4, min: 2, max: 8 });
  });

  it('uses n − 1, not n', () => {
    expect(aggregateSeeds([0, 1]).std).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it('one seed: std 0, not NaN', () => {
    expect(aggregateSeeds([0.7])).toEqual({ mean: 0.7, std: 0, n: 1, min: 0.7, max: 0.7 });
  });

  it('equal values give exactly that mean and std 0', () => {
    const s = aggregateSeeds([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(s.mean).toBe(0.1);
    expect(s.std).toBe(0);
  });

  it('accepts typed arrays and is stable for large offsets', () => {
    const s = aggregateSeeds(Float64Array.from([1e9 + 1, 1e9 + 2, 1e9 + 3]));
    expect(s.mean).toBe(1e9 + 2);
    expect(s.std).toBe(1);
  });
});
