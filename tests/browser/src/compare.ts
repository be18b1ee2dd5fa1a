import type { ScenarioResult } from './scenario.js';

/** Every number a run reports, by a name that says where it is (`attention step 1 itm`). */
export function flattenRun(run: ScenarioResult): Map<string, number> {
  const out = new Map<string, number>();
  out.set('input checksum', run.inputChecksum);
  for (const k of run.kinds) {
    k.steps.forEach((step, s) => {
      for (const [field, value] of Object.entries(step)) out.set(`${k.kind} step ${s} ${field}`, value);
    });
    k.logits.forEach((v, j) => out.set(`${k.kind} logits[${j}]`, v));
    out.set(`${k.kind} itcLoss after training`, k.itc);
    out.set(`${k.kind} accuracy`, k.accuracy);
    out.set(`${k.kind} macro-F1`, k.macroF1);
  }
  return out;
}

/** One number that differs by more than the tolerance (or exists on one side only). */
export interface Mismatch {
  name: string;
  actual: number | undefined;
  expected: number | undefined;
}

/** The comparison of two runs. */
export interface RunComparison {
  /** How many numbers were compared. */
  compared: number;
  /** The largest |actual − expected| over the numbers both runs have. */
  maxAbsDiff: number;
  mismatches: Mismatch[];
}

/** Compares every number of `actual` with `expected`'s: equal when |a − e| ≤ `tolerance`. */
export function compareRuns(actual: ScenarioResult, expected: ScenarioResult, tolerance: number): RunComparison {
  const a = flattenRun(actual);
  const e = flattenRun(expected);
  const mismatches: Mismatch[] = [];
  let maxAbsDiff = 0;
  for (const name of new Set([...a.keys(), ...e.keys()])) {
    const x = a.get(name);
    const y = e.get(name);
    const diff = x === undefined || y === undefined ? Number.POSITIVE_INFINITY : Math.abs(x - y);
    if (Number.isFinite(diff)) maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (!(diff <= tolerance)) mismatches.push({ name, actual: x, expected: y });
  }
  return { compared: e.size, maxAbsDiff, mismatches };
}

/** The first few mismatches, one per line, for an assertion message. */
export function describeMismatches(mismatches: Mismatch[], limit = 10): string {
  const lines = mismatches.slice(0, limit).map((m) => `  ${m.name}: ${String(m.actual)} vs ${String(m.expected)}`);
  if (mismatches.length > limit) lines.push(`  … and ${mismatches.length - limit} more`);
  return lines.join('\n');
}
