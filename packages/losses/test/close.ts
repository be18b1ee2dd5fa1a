import { expect } from 'vitest';

type Nested = number | Nested[];

function flatten(x: Nested | ArrayLike<number>): number[] {
  if (typeof x === 'number') return [x];
  return Array.from(x as ArrayLike<Nested>).flatMap((v) => flatten(v));
}

/**
 * Element-wise |a − e| ≤ rtol · (|e| + max|e|): relative to each value, and to the tensor's
 * overall magnitude for entries near zero (float32 against float64 references).
 */
export function expectClose(actual: Nested | ArrayLike<number>, expected: Nested | ArrayLike<number>, rtol = 1e-4): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length).toBe(e.length);
  const scale = Math.max(1e-6, ...e.map(Math.abs));
  for (let i = 0; i < e.length; i++) {
    const tol = rtol * (Math.abs(e[i]!) + scale);
    if (!(Math.abs(a[i]! - e[i]!) <= tol)) {
      expect.fail(`entry ${i}: got ${a[i]}, expected ${e[i]} (tolerance ${tol.toExponential(2)})`);
    }
  }
}
