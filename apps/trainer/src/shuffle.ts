import type { Rng } from '@mmaux/losses';

/** Shuffles `items` in place with `rng` (Fisher–Yates); returns them. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
