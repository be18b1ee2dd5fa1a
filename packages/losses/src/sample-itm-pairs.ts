import * as tf from '@tensorflow/tfjs-core';
import { MmauxLossError } from './errors.js';
import type { Rng } from './rng.js';
import { formatValue, type GroupIds, isTensor, readGroupIds } from './validate.js';

/** Options of {@link sampleItmPairs}. */
export interface ItmPairOptions {
  /** Seeded uniform source, e.g. `createRng(seed)`. Required: pairs are never drawn from an unseeded source. */
  rng: Rng;
  /** Probability that a post keeps its own text (label 1). @defaultValue 0.5 */
  matchProbability?: number;
  /**
   * `'random'`: the partner is uniform among valid negatives (the paper's code).
   * `'hard'`: drawn in proportion to `softmax(similarity[i])` over valid negatives (ALBEF-style
   * hard negatives). @defaultValue 'random'
   */
  strategy?: 'random' | 'hard';
  /**
   * `[N, N]` scores for `'hard'`: row i scores post j's text as a partner for post i's image, so
   * pass logits per image (the transpose of `contrastiveLogits`' output). A tensor, nested
   * arrays, or a flat row-major array of length N².
   */
  similarity?: tf.Tensor2D | ArrayLike<ArrayLike<number>> | ArrayLike<number>;
  /** One id per post; a post with the same id as i (a duplicate) is never i's negative. */
  groupIds?: GroupIds;
}

/** What {@link sampleItmPairs} drew. */
export interface ItmPairs {
  /** `partner[i]`: the post whose text is paired with post i's image (i itself when matched). */
  partner: Int32Array;
  /** 1 when `partner[i] === i` (matched), 0 for a swapped, mismatched text. */
  labels: Int32Array;
  /** Rows that drew "swap" but had no valid negative (batch of 1, one group) and stayed matched. */
  fallbackRows: number[];
}

function readSimilarity(fn: string, similarity: ItmPairOptions['similarity'], n: number): Float64Array {
  if (similarity === undefined) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: strategy 'hard' needs options.similarity, an [N, N] score matrix (logits per image).`);
  }
  let flat: ArrayLike<number>;
  if (isTensor(similarity)) {
    if (similarity.rank !== 2 || similarity.shape[0] !== n || similarity.shape[1] !== n) {
      throw new MmauxLossError('INVALID_SHAPE', `${fn}: similarity must be [${n}, ${n}], got [${similarity.shape.join(', ')}].`);
    }
    flat = similarity.dataSync();
  } else if (similarity.length === n && n > 0 && typeof similarity[0] === 'object') {
    const rows = similarity as ArrayLike<ArrayLike<number>>;
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = rows[i] as ArrayLike<number>;
      if (row.length !== n) {
        throw new MmauxLossError('INVALID_SHAPE', `${fn}: similarity row ${i} has ${row.length} entries, expected ${n}.`);
      }
      for (let j = 0; j < n; j++) out[i * n + j] = row[j] as number;
    }
    flat = out;
  } else {
    flat = similarity as ArrayLike<number>;
    if (flat.length !== n * n) {
      throw new MmauxLossError('INVALID_SHAPE', `${fn}: a flat similarity must have N² = ${n * n} entries, got ${flat.length}.`);
    }
  }
  const out = Float64Array.from(flat);
  for (let k = 0; k < out.length; k++) {
    const v = out[k] as number;
    if (Number.isNaN(v) || v === Infinity) {
      throw new MmauxLossError('NON_FINITE', `${fn}: similarity[${Math.floor(k / n)}][${k % n}] is ${v}; scores must be finite (−Infinity excludes a pair).`);
    }
  }
  return out;
}

/** Draws one index from `candidates` with probability ∝ exp(score), normalised in log space. */
function sampleSoftmax(candidates: number[], scores: Float64Array, rowOffset: number, u: number): number | undefined {
  let max = -Infinity;
  for (const j of candidates) max = Math.max(max, scores[rowOffset + j] as number);
  if (max === -Infinity) return undefined;
  let total = 0;
  const weights = candidates.map((j) => {
    const w = Math.exp((scores[rowOffset + j] as number) - max);
    total += w;
    return w;
  });
  let target = u * total;
  for (let k = 0; k < candidates.length; k++) {
    target -= weights[k] as number;
    if (target < 0) return candidates[k];
  }
  // Rounding left target ≥ 0: take the last candidate with positive weight.
  for (let k = candidates.length - 1; k >= 0; k--) if ((weights[k] as number) > 0) return candidates[k];
  return undefined;
}

/**
 * Draws the (text, image) pairs for image-text matching: each post keeps its own text with
 * probability `matchProbability` (label 1), else takes another post's text (label 0), as the
 * paper's code swaps the text and keeps the image.
 *
 * A negative is never i itself nor a post with i's group id. When a row has no valid negative
 * (batch of 1, a batch of one group), it stays matched and is listed in `fallbackRows`; when
 * `'hard'` scores exclude every valid candidate (all −Infinity), it falls back to uniform among
 * them. Same rng state → same pairs. Reads `rng` twice per swapped row, once per kept row.
 *
 * @param batchSize - N ≥ 1
 * @param options - `rng` (required), `matchProbability` (0.5), `strategy` ('random'),
 *   `similarity` (for 'hard'), `groupIds`
 * @returns `{ partner, labels, fallbackRows }`
 * @throws MmauxLossError `EMPTY_BATCH`, `INVALID_OPTION`, `INVALID_SHAPE`, `NON_FINITE`
 *
 * @example
 * ```ts
 * const { partner, labels } = sampleItmPairs(4, { rng: createRng(7) });
 * // swappedText = tf.gather(textFeatures, partner); itmLoss(itmHead(swappedText, image), labels)
 * ```
 */
export function sampleItmPairs(batchSize: number, options: ItmPairOptions): ItmPairs {
  const fn = 'sampleItmPairs';
  if (!Number.isInteger(batchSize) || batchSize < 0) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: batchSize must be a non-negative integer, got ${String(batchSize)}.`);
  }
  if (batchSize === 0) throw new MmauxLossError('EMPTY_BATCH', `${fn}: batchSize is 0; there are no pairs to draw.`);
  const { rng, matchProbability = 0.5, strategy = 'random' } = options ?? ({} as ItmPairOptions);
  if (typeof rng !== 'function') {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: options.rng is required (e.g. createRng(seed)) so that pairs are reproducible.`);
  }
  if (typeof matchProbability !== 'number' || !(matchProbability >= 0 && matchProbability <= 1)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: matchProbability must be in [0, 1], got ${String(matchProbability)}.`);
  }
  if (strategy !== 'random' && strategy !== 'hard') {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: strategy must be 'random' or 'hard', got ${formatValue(strategy)}.`);
  }
  const n = batchSize;
  const groups = options.groupIds === undefined ? undefined : readGroupIds(fn, options.groupIds, n);
  const scores = strategy === 'hard' ? readSimilarity(fn, options.similarity, n) : undefined;
  const partner = new Int32Array(n);
  const labels = new Int32Array(n);
  const fallbackRows: number[] = [];

  for (let i = 0; i < n; i++) {
    partner[i] = i;
    labels[i] = 1;
    if (rng() < matchProbability) continue;
    const candidates: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j !== i && (groups === undefined || groups[j] !== groups[i])) candidates.push(j);
    }
    if (candidates.length === 0) {
      fallbackRows.push(i);
      continue;
    }
    const u = rng();
    const pick =
      (scores === undefined ? undefined : sampleSoftmax(candidates, scores, i * n, u)) ??
      (candidates[Math.min(candidates.length - 1, Math.floor(u * candidates.length))] as number);
    partner[i] = pick;
    labels[i] = 0;
  }
  return { partner, labels, fallbackRows };
}
