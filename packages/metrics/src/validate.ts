import { MmauxMetricsError } from './errors.js';

/** @internal Shows a value in an error message the way a user typed it. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return String(v);
}

/** @internal Largest supported number of classes: the C × C confusion matrix must fit in memory. */
export const MAX_CLASSES = 4096;

/** @internal Throws unless `numClasses` is an integer in [1, MAX_CLASSES]. */
export function checkNumClasses(fn: string, numClasses: unknown): number {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: options.numClasses must be a positive integer (the number of classes C), got ${show(numClasses)}.`,
    );
  }
  if (numClasses > MAX_CLASSES) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: numClasses = ${numClasses} is above ${MAX_CLASSES}, the most this package supports (it keeps a C × C confusion matrix); check that labels are class indices, not ids.`,
    );
  }
  return numClasses;
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as { length?: unknown }).length === 'number' &&
    Number.isInteger((x as { length: number }).length)
  );
}

/** @internal Throws unless `x` is an array or typed array; returns its length. */
export function checkArray(fn: string, name: string, x: unknown): number {
  if (!isArrayLike(x)) {
    throw new MmauxMetricsError(
      'INVALID_OPTION',
      `${fn}: ${name} must be an array (or typed array) of class indices, got ${x === null ? 'null' : typeof x}.`,
    );
  }
  return x.length;
}

/** @internal Throws unless both sequences have the same, non-zero length; returns it. */
export function checkPaired(fn: string, nameA: string, a: unknown, nameB: string, b: unknown): number {
  const na = checkArray(fn, nameA, a);
  const nb = checkArray(fn, nameB, b);
  if (na !== nb) {
    const [longer, shorter, values] = na > nb ? [nameA, nameB, a] : [nameB, nameA, b];
    const i = Math.min(na, nb);
    throw new MmauxMetricsError(
      'LENGTH_MISMATCH',
      `${fn}: ${nameA} has ${na} entries but ${nameB} has ${nb}; ${longer}[${i}] = ${show((values as ArrayLike<unknown>)[i])} has no counterpart in ${shorter}. Pass one entry per example, in the same order.`,
    );
  }
  if (na === 0) {
    throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: ${nameA} and ${nameB} are empty; a metric needs at least one example.`);
  }
  return na;
}

/**
 * @internal Copies class indices into an Int32Array after checking each one is an integer in
 * `[0, numClasses)`.
 */
export function readClasses(fn: string, name: string, values: ArrayLike<number>, numClasses: number): Int32Array {
  const n = values.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    // Integers in range only: rejects NaN, ±Infinity, fractions, strings and out-of-range values.
    if (typeof v !== 'number' || !(v >= 0 && v < numClasses) || Math.floor(v) !== v) {
      throw invalidClass(fn, name, i, v, numClasses);
    }
    out[i] = v;
  }
  return out;
}

/** @internal The INVALID_LABEL error for `name[i] = v`. */
export function invalidClass(fn: string, name: string, i: number, v: unknown, numClasses: number): MmauxMetricsError {
  const why =
    typeof v === 'number' && Number.isInteger(v) && numClasses > 0
      ? `is outside [0, ${numClasses - 1}]: class indices are 0-based; raise options.numClasses if there really are more classes`
      : `is not an integer class index in [0, ${numClasses - 1}]; pass 0-based class indices (argmax of the scores), not scores or names`;
  return new MmauxMetricsError('INVALID_LABEL', `${fn}: ${name}[${i}] = ${show(v)} ${why}.`);
}

/**
 * @internal Smallest C such that every value is a class index below C, checking on the way that
 * each value is a non-negative integer.
 */
export function inferNumClasses(fn: string, arrays: ReadonlyArray<readonly [string, ArrayLike<number>]>): number {
  let max = -1;
  for (const [name, values] of arrays) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (typeof v !== 'number' || !(v >= 0 && v < 2 ** 31) || Math.floor(v) !== v) {
        throw new MmauxMetricsError(
          'INVALID_LABEL',
          `${fn}: ${name}[${i}] = ${show(v)} is not a non-negative integer class index; pass 0-based class indices (and options.numClasses).`,
        );
      }
      if (v > max) max = v;
    }
  }
  return max + 1;
}

/** @internal Throws unless `v` is a finite number; returns it. */
export function checkFinite(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new MmauxMetricsError('NON_FINITE', `${fn}: ${name} = ${show(v)} is not a finite number; remove or fix that value.`);
  }
  return v;
}
