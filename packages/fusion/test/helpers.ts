import { expect } from 'vitest';

export * from './data.js';

/** Element-wise |a − e| ≤ atol + rtol·|e|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`entry ${i}: got ${a}, expected ${e}`);
    }
  }
}
