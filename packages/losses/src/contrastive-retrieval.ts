import type * as tf from '@tensorflow/tfjs-core';
import { MmauxLossError } from './errors.js';
import { assertBatch, assertTensor, type GroupIds, readGroupIds } from './validate.js';

/** Options of {@link contrastiveRetrieval}. */
export interface RetrievalOptions {
  /** Cut-offs for recall@k. @defaultValue [1, 5] */
  k?: number[];
  /** Posts sharing an id count as correct answers for each other. */
  groupIds?: GroupIds;
}

/** Retrieval scores in one direction. */
export interface RetrievalDirection {
  /** Fraction of queries whose best-scored candidate is correct (= recall@1). */
  top1: number;
  /** `recallAtK[k]`: fraction of queries with a correct candidate among the k best. */
  recallAtK: Record<number, number>;
  /** Mean 1-based rank of the first correct candidate. */
  meanRank: number;
}

/** In-batch retrieval scores of a contrastive logit matrix, in both directions. */
export interface RetrievalReport {
  /** Each text retrieves among the N images (rows of `logitsPerText`). */
  textToImage: RetrievalDirection;
  /** Each image retrieves among the N texts (columns). */
  imageToText: RetrievalDirection;
  n: number;
}

/** 1-based rank of the best correct candidate; ties count against the query (pessimistic). */
function rankOf(score: (j: number) => number, n: number, isCorrect: (j: number) => boolean): number {
  let best = -Infinity;
  for (let j = 0; j < n; j++) if (isCorrect(j)) best = Math.max(best, score(j));
  let above = 0;
  for (let j = 0; j < n; j++) if (!isCorrect(j) && score(j) >= best) above++;
  return above + 1;
}

function direction(ranks: number[], ks: number[]): RetrievalDirection {
  const n = ranks.length;
  const recallAtK: Record<number, number> = {};
  for (const k of ks) recallAtK[k] = ranks.filter((r) => r <= k).length / n;
  return {
    top1: ranks.filter((r) => r === 1).length / n,
    recallAtK,
    meanRank: ranks.reduce((a, b) => a + b, 0) / n,
  };
}

/**
 * Text→image and image→text retrieval accuracy inside a batch: what users watch next to the
 * ITC loss. A tie with a wrong candidate counts as a miss, so identical embeddings do not look
 * perfect. Reads the logits back (one sync); not differentiable.
 *
 * @param logitsPerText - `[N, N]`, rows texts, columns images (see {@link contrastiveLogits})
 * @param options - `k` ([1, 5]), `groupIds`
 * @returns top-1 accuracy, recall@k and mean rank per direction
 * @throws MmauxLossError `INVALID_SHAPE`, `EMPTY_BATCH`, `NON_FINITE`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const r = contrastiveRetrieval(tf.tensor2d([[5, 1], [6, 0]]), { k: [1] });
 * r.textToImage.top1; // 0.5
 * r.imageToText.top1; // 0
 * ```
 */
export function contrastiveRetrieval(logitsPerText: tf.Tensor2D, options: RetrievalOptions = {}): RetrievalReport {
  const fn = 'contrastiveRetrieval';
  assertTensor(fn, 'logitsPerText', logitsPerText, 2);
  const [n, m] = logitsPerText.shape;
  if (n !== m) {
    throw new MmauxLossError('INVALID_SHAPE', `${fn}: logitsPerText must be square [N, N], got [${n}, ${m}].`);
  }
  assertBatch(fn, 'logitsPerText', n);
  const ks = options.k ?? [1, 5];
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) {
      throw new MmauxLossError('INVALID_OPTION', `${fn}: every k must be a positive integer, got ${String(k)}.`);
    }
  }
  const groups = options.groupIds === undefined ? undefined : readGroupIds(fn, options.groupIds, n);
  const s = logitsPerText.dataSync();
  for (let k = 0; k < s.length; k++) {
    if (Number.isNaN(s[k])) {
      throw new MmauxLossError('NON_FINITE', `${fn}: logitsPerText[${Math.floor(k / n)}][${k % n}] is NaN.`);
    }
  }
  const same = (i: number, j: number) => i === j || (groups !== undefined && groups[i] === groups[j]);
  const textRanks: number[] = [];
  const imageRanks: number[] = [];
  for (let i = 0; i < n; i++) {
    textRanks.push(rankOf((j) => s[i * n + j] as number, n, (j) => same(i, j)));
    imageRanks.push(rankOf((j) => s[j * n + i] as number, n, (j) => same(i, j)));
  }
  return { textToImage: direction(textRanks, ks), imageToText: direction(imageRanks, ks), n };
}
