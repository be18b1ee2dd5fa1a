// Batches of similar text lengths (Hugging Face Trainer's `group_by_length`): with each batch
// padded to its own longest text, mixing a 10-token and a 120-token post in one batch wastes most
// of the work on padding. Seeded, so a run (and a resumed run) draws the same batches.
import type { Rng } from '@mmaux/losses';
import { shuffleInPlace } from './shuffle.js';

/** Posts per mega-batch, in batches: the window within which lengths are sorted (Hugging Face's 50). */
export const MEGA_BATCHES = 50;

/**
 * The training order for one epoch as batches of indices into `lengths`: a seeded shuffle cut
 * into mega-batches of `50 × batchSize` posts, each sorted by length (longest first) and cut into
 * batches, then the batches shuffled, except that the batch with the longest post goes first (as
 * Hugging Face does, so that a memory limit shows at once). Every index appears exactly once.
 *
 * @param lengths - each post's length (text tokens)
 * @param batchSize - posts per batch (the last batch of a mega-batch may be smaller)
 * @param rng - the epoch's shuffling generator
 */
export function lengthGroupedBatches(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
  const order = shuffleInPlace(Array.from({ length: lengths.length }, (_, i) => i), rng);
  const window = MEGA_BATCHES * batchSize;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += window) {
    const mega = order.slice(start, start + window).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
    for (let k = 0; k < mega.length; k += batchSize) batches.push(mega.slice(k, k + batchSize));
  }
  if (batches.length === 0) return batches;
  shuffleInPlace(batches, rng);
  let longest = 0;
  batches.forEach((b, i) => {
    if (lengths[b[0]!]! > lengths[batches[longest]![0]!]!) longest = i;
  });
  [batches[0], batches[longest]] = [batches[longest]!, batches[0]!];
  return batches;
}
