import { MmauxLossError } from './errors.js';

/** A source of uniform numbers in [0, 1), such as the one {@link createRng} returns. */
export type Rng = () => number;

/**
 * A small seeded generator (mulberry32) for reproducible sampling: the same seed gives the same
 * sequence on every machine and backend. Keep one per purpose (e.g. ITM negatives apart from
 * data shuffling) so changing one does not shift the other.
 *
 * @param seed - any integer (taken modulo 2³²)
 * @returns a function returning uniform numbers in [0, 1)
 *
 * @example
 * ```ts
 * const rng = createRng(42); // the same sequence on every run and machine
 * rng(); // 0.6011037519201636
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) {
    throw new MmauxLossError('INVALID_OPTION', `createRng: seed must be an integer, got ${String(seed)}.`);
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
