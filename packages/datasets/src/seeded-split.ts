import { MmauxDatasetError } from './errors.js';
import type { Split } from './types.js';
import { mulberry32 } from './rng.js';

/** Train / validation / test fractions; they must sum to 1. */
export type SplitFractions = readonly [train: number, val: number, test: number];

/** Options of {@link seededSplit}. */
export interface SeededSplitOptions {
  /**
   * Integer seed of the shuffle (taken modulo 2³²).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Train / validation / test fractions.
   * @defaultValue [0.8, 0.1, 0.1]
   */
  fractions?: SplitFractions;
}

/** Split sizes for `n` posts, see {@link splitSizes}. */
export interface SplitSizes {
  train: number;
  val: number;
  test: number;
}

const DEFAULT_FRACTIONS: SplitFractions = [0.8, 0.1, 0.1];

/** ⌊n·f⌋, immune to the last-bit error of n·f when n·f is an integer (5 · 0.8 → 4, not 3). */
function floorShare(n: number, f: number): number {
  return Math.floor(n * f + 1e-9);
}

function checkFractions(fn: string, fractions: SplitFractions): void {
  const ok =
    Array.isArray(fractions) &&
    fractions.length === 3 &&
    fractions.every((f) => typeof f === 'number' && Number.isFinite(f) && f >= 0) &&
    Math.abs(fractions[0] + fractions[1] + fractions[2] - 1) < 1e-9;
  if (!ok) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: fractions must be three non-negative numbers summing to 1 (train, val, test), got ${JSON.stringify(fractions)}.`,
    );
  }
}

/**
 * Split sizes for `n` posts, as the paper's code draws them (`int(n·0.8)` for train,
 * `int(n·0.1)` for validation, the rest for test): train = ⌊n·f_train⌋, val = ⌊n·f_val⌋,
 * test = n − train − val.
 *
 * @param n - number of posts (a non-negative integer)
 * @param fractions - train / validation / test fractions, default `[0.8, 0.1, 0.1]`
 * @returns `{ train, val, test }`
 * @throws MmauxDatasetError `INVALID_OPTION` for a bad `n` or bad fractions
 *
 * @example
 * ```ts
 * splitSizes(4471); // {"train":3576,"val":447,"test":448}
 * splitSizes(4511); // {"train":3608,"val":451,"test":452}
 * ```
 */
export function splitSizes(n: number, fractions: SplitFractions = DEFAULT_FRACTIONS): SplitSizes {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MmauxDatasetError('INVALID_OPTION', `splitSizes: n must be a non-negative integer, got ${String(n)}.`);
  }
  checkFractions('splitSizes', fractions);
  const train = floorShare(n, fractions[0]);
  const val = Math.min(floorShare(n, fractions[1]), n - train);
  return { train, val, test: n - train - val };
}

/**
 * Largest-remainder allocation of `total` over classes with quotas `quota[c]`, each class
 * capped at `cap[c]`: every class first gets ⌊quota⌋ (capped), the rest goes one by one to the
 * classes with the largest fractional remainder (ties: lower class index first), skipping
 * classes that are full.
 */
function allocate(total: number, quota: number[], cap: number[]): number[] {
  const out = quota.map((q, c) => Math.min(Math.floor(q + 1e-9), cap[c]!));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = quota
    .map((q, c) => ({ c, r: q - Math.floor(q + 1e-9) }))
    .sort((a, b) => b.r - a.r || a.c - b.c)
    .map((x) => x.c);
  while (left > 0) {
    let progressed = false;
    for (const c of order) {
      if (left === 0) break;
      if (out[c]! < cap[c]!) {
        out[c]! += 1;
        left -= 1;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return out;
}

/**
 * A deterministic stratified train / validation / test split. The same ids, labels and seed
 * give the same split on every run and machine: ids are sorted by UTF-16 code units (never by
 * locale or input order), each class's ids are shuffled with one mulberry32 stream seeded by
 * `seed` (classes in ascending order, Fisher–Yates), and the first ones of each class go to
 * train, the next to validation, the rest to test.
 *
 * Sizes: the totals are {@link splitSizes} (⌊0.8n⌋ / ⌊0.1n⌋ / rest: 3576 / 447 / 448 for TIR's
 * 4471 posts, 3608 / 451 / 452 for MVSA-Single's 4511, as in the paper's code). Each total is
 * shared among the classes by largest remainder on n_c·f (ties to the lower class index), so
 * every class is within one post of its exact share.
 *
 * @param items - posts with a unique `id` and an integer class `label` ≥ 0
 * @param options - `seed` (default 0), `fractions` (default `[0.8, 0.1, 0.1]`)
 * @returns the split of each item, in input order
 * @throws MmauxDatasetError `DUPLICATE_ID` (naming the id), `INVALID_OPTION` for a bad seed,
 *   fractions or label
 *
 * @example
 * ```ts
 * const items = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, label: i % 2 }));
 * const splits = seededSplit(items, { seed: 7 });
 * splits.filter((s) => s === 'train').length; // 16
 * splits.filter((s) => s === 'val').length; // 2
 * seededSplit(items, { seed: 7 }).join() === splits.join(); // true
 * ```
 */
export function seededSplit(
  items: ReadonlyArray<{ readonly id: string; readonly label: number }>,
  options: SeededSplitOptions = {},
): Split[] {
  const fn = 'seededSplit';
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: seed must be an integer, got ${String(seed)}.`);
  }
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  const sizes = splitSizes(items.length, fractions);

  const order = items.map((_, i) => i).sort((a, b) => {
    const x = items[a]!.id;
    const y = items[b]!.id;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const byClass = new Map<number, number[]>();
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (k > 0 && items[order[k - 1]!]!.id === items[i]!.id) {
      throw new MmauxDatasetError('DUPLICATE_ID', `${fn}: id "${items[i]!.id}" occurs more than once; ids must be unique.`, {
        id: items[i]!.id,
      });
    }
    const label = items[i]!.label;
    if (!Number.isInteger(label) || label < 0) {
      throw new MmauxDatasetError('INVALID_OPTION', `${fn}: item "${items[i]!.id}" has label ${String(label)}; labels must be integers ≥ 0.`, {
        id: items[i]!.id,
      });
    }
    const list = byClass.get(label);
    if (list === undefined) byClass.set(label, [i]);
    else list.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const rng = mulberry32(seed);
  const members = classes.map((c) => {
    const list = byClass.get(c)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = list[i]!;
      list[i] = list[j]!;
      list[j] = t;
    }
    return list;
  });
  const counts = members.map((m) => m.length);
  const train = allocate(
    sizes.train,
    counts.map((n) => n * fractions[0]),
    counts,
  );
  const val = allocate(
    sizes.val,
    counts.map((n) => n * fractions[1]),
    counts.map((n, c) => n - train[c]!),
  );
  const out = new Array<Split>(items.length);
  members.forEach((list, c) => {
    list.forEach((i, k) => {
      out[i] = k < train[c]! ? 'train' : k < train[c]! + val[c]! ? 'val' : 'test';
    });
  });
  return out;
}
