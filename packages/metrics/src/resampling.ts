/**
 * @internal Shared machinery of the bootstrap and randomization functions: option checks, index
 * draws, and metric evaluation on resamples through a reused confusion matrix (named metrics) or
 * reused label/prediction buffers (metric functions).
 */
import { MmauxMetricsError } from './errors.js';
import type { Scorer } from './metric.js';
import { badRng, type Rng } from './rng.js';
import { show } from './validate.js';

/** @internal */
export function checkSamples(fn: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1e8) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.samples must be an integer in [1, 1e8], got ${show(v)}.`);
  }
  return v;
}

/** @internal */
export function checkConfidence(fn: string, v: unknown): number {
  if (v === undefined) return 0.95;
  if (typeof v !== 'number' || !(v > 0 && v < 1)) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.confidence must be a number in (0, 1), e.g. 0.95, got ${show(v)}.`);
  }
  return v;
}

/**
 * @internal Linear-interpolation quantile of sorted values (numpy's default, Hyndman & Fan
 * type 7): position h = (m − 1)·q, value x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋+1 − x⌊h⌋).
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const m = sorted.length;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo + 1 >= m) return a;
  const b = sorted[lo + 1] as number;
  // a + (h − lo)·(b − a), written so that a === b gives exactly a.
  return a === b ? a : a + (h - lo) * (b - a);
}

/** @internal The central `confidence` percentile interval of `values` (sorted in place). */
export function percentileInterval(values: Float64Array, confidence: number): [number, number] {
  values.sort();
  const tail = (1 - confidence) / 2;
  return [quantileSorted(values, tail), quantileSorted(values, 1 - tail)];
}

/** @internal A uniform index in [0, n) from one rng() draw, checking the draw. */
export function drawIndex(fn: string, rng: Rng, n: number): number {
  const u = rng();
  if (!(u >= 0 && u < 1)) badRng(fn, u);
  const i = Math.floor(u * n);
  return i < n ? i : n - 1;
}

/**
 * @internal Evaluates a scorer on bootstrap resamples of one or two prediction sets sharing the
 * same drawn indices. `onResample(values)` receives one metric value per prediction set.
 */
export function bootstrapLoop(
  fn: string,
  rng: Rng,
  scorer: Scorer,
  labels: Int32Array,
  predictionSets: readonly [Int32Array] | readonly [Int32Array, Int32Array],
  samples: number,
  onResample: (b: number, values: Float64Array) => void,
): void {
  const n = labels.length;
  const c = scorer.numClasses;
  const sets = predictionSets.length;
  const values = new Float64Array(sets);
  const idx = new Int32Array(n);
  const fromConfusion = scorer.fromConfusion;
  if (fromConfusion) {
    const codes = predictionSets.map((p) => {
      const code = new Int32Array(n);
      for (let i = 0; i < n; i++) code[i] = (labels[i] as number) * c + (p[i] as number);
      return code;
    });
    // One pass per resample: each draw counts straight into the (one or two) confusions.
    const confA = new Float64Array(c * c);
    const codeA = codes[0] as Int32Array;
    const confB = sets === 2 ? new Float64Array(c * c) : confA;
    const codeB = (codes[1] ?? codeA) as Int32Array;
    for (let b = 0; b < samples; b++) {
      confA.fill(0);
      if (sets === 2) confB.fill(0);
      for (let k = 0; k < n; k++) {
        const u = rng();
        if (!(u >= 0 && u < 1)) badRng(fn, u);
        let i = Math.floor(u * n);
        if (i >= n) i = n - 1;
        const ja = codeA[i] as number;
        confA[ja] = (confA[ja] as number) + 1;
        if (sets === 2) {
          const jb = codeB[i] as number;
          confB[jb] = (confB[jb] as number) + 1;
        }
      }
      values[0] = fromConfusion(confA, n);
      if (sets === 2) values[1] = fromConfusion(confB, n);
      onResample(b, values);
    }
    return;
  }
  const yb = new Int32Array(n);
  const pb = new Int32Array(n);
  for (let b = 0; b < samples; b++) {
    for (let k = 0; k < n; k++) idx[k] = drawIndex(fn, rng, n);
    for (let k = 0; k < n; k++) yb[k] = labels[idx[k] as number] as number;
    for (let s = 0; s < sets; s++) {
      const p = predictionSets[s] as Int32Array;
      for (let k = 0; k < n; k++) pb[k] = p[idx[k] as number] as number;
      values[s] = scorer.fromArrays(yb, pb);
    }
    onResample(b, values);
  }
}
