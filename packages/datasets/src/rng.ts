// Seeded randomness for splits and the generator: mulberry32 (the same algorithm as `createRng` in
// @mmaux/losses and @mmaux/metrics) plus a string/number hash to derive independent streams.
// Nothing here reads Math.random or the clock.

/** @internal A uniform generator on [0, 1). */
export type Rng = () => number;

/** @internal mulberry32 from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed derived from a seed and labels (FNV-1a over them, then murmur3's finaliser), so
 * one seed gives independent, reproducible streams per purpose: the synthetic generator's plan
 * and split, or a trainer's shuffling, ITM pairs and dropout per epoch.
 *
 * @param seed - the base seed (taken modulo 2³²)
 * @param parts - labels of the stream, e.g. `'shuffle', epoch`
 * @returns an integer in [0, 2³²)
 *
 * @example
 * ```ts
 * deriveSeed(5, 'shuffle', 1); // 211366096
 * deriveSeed(5, 'shuffle', 2); // 1510139413
 * ```
 */
export function deriveSeed(seed: number, ...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  const text = [String(seed >>> 0), ...parts.map(String)].join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** @internal Integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** @internal Uniform number in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** @internal One element, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)] as T;
}

/** @internal One element other than `not` (by index identity), uniformly. */
export function pickOther<T>(rng: Rng, items: readonly T[], not: T): T {
  const others = items.filter((x) => x !== not);
  return pick(rng, others);
}

/** @internal Index drawn with the given non-negative weights. */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** @internal Fisher–Yates shuffle in place. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
