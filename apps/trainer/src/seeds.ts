/**
 * A 32-bit seed derived from a run's seed and labels (FNV-1a, then murmur3's finaliser), so each
 * purpose (shuffling, ITM pairs, dropout, subsampling) and each epoch draws from its own stream.
 */
export function derivedSeed(seed: number, ...parts: Array<string | number>): number {
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
