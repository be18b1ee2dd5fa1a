import { MmauxMetricsError } from './errors.js';

/** A source of uniform numbers in [0, 1), such as the one {@link createRng} returns. */
export type Rng = () => number;

/**
 * A small seeded generator (mulberry32) for reproducible resampling: the same seed gives the same
 * sequence on every machine. It is the same algorithm as `createRng` in `@mmaux/losses`, so a
 * seed means the same stream in both packages. Keep one generator per purpose.
 *
 * @param seed - any integer (taken modulo 2³²)
 * @returns a function returning uniform numbers in [0, 1)
 * @throws MmauxMetricsError `INVALID_OPTION` when `seed` is not an integer
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng(); // 0.6011037519201636
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new MmauxMetricsError('INVALID_OPTION', `createRng: seed must be an integer, got ${String(seed)}.`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options every resampling function shares for its randomness. */
export interface RandomnessOptions {
  /**
   * Uniform source in [0, 1), e.g. `createRng(7)`. One of `rng` or `seed` is required: results
   * are never drawn from an unseeded source. `rng` wins when both are given.
   */
  rng?: Rng;
  /** Integer seed for a private {@link createRng} generator, used when `rng` is absent. */
  seed?: number;
}

/** @internal The generator a function should use, or a typed error when none was given. */
export function resolveRng(fn: string, options: RandomnessOptions): Rng {
  if (options.rng !== undefined) {
    if (typeof options.rng !== 'function') {
      throw new MmauxMetricsError('INVALID_OPTION', `${fn}: rng must be a function returning uniform numbers in [0, 1), got ${typeof options.rng}.`);
    }
    return options.rng;
  }
  if (options.seed !== undefined) {
    if (!Number.isInteger(options.seed)) {
      throw new MmauxMetricsError('INVALID_OPTION', `${fn}: seed must be an integer, got ${String(options.seed)}.`);
    }
    return createRng(options.seed);
  }
  throw new MmauxMetricsError(
    'INVALID_OPTION',
    `${fn}: pass options.rng (e.g. createRng(7)) or options.seed; resampling is always seeded so that results are reproducible.`,
  );
}

/** @internal Throws when a generator returned something outside [0, 1). */
export function badRng(fn: string, value: number): never {
  throw new MmauxMetricsError(
    'INVALID_OPTION',
    `${fn}: rng() returned ${String(value)}; it must return uniform numbers in [0, 1) (use createRng(seed)).`,
  );
}
