// A SentencePiece-unigram tokenizer over the vocabulary format of the TensorFlow.js Universal
// Sentence Encoder (vocab.json: [[piece, log-probability], …]), for tfjs text models that take
// token ids.
import { sha256Hex } from '../hash.js';
import { MmauxEncoderError } from '../errors.js';
import { describe } from '../validate.js';

/** Turns a text into token ids for a `tfjs:` text model that takes ids. */
export interface TfjsTokenizer {
  /** Stable identity of the tokenization; part of the encoder id (change it when the ids would change). */
  readonly id: string;
  /** The ids of one text (no padding; the encoder cuts to `maxLength`). */
  encode(text: string): readonly number[];
}

/** Options of {@link createUnigramTokenizer}. */
export interface UnigramTokenizerOptions {
  /**
   * Leading vocabulary entries that are control symbols, never matched in text (USE: 6 —
   * `<unk>`, `<s>`, `</s>`, …).
   * @defaultValue 6
   */
  reservedSymbols?: number;
  /**
   * The id given to a character no piece covers (runs of them merge into one).
   * @defaultValue 0 (USE's `<unk>`)
   */
  unkId?: number;
}

/** The word-boundary mark of SentencePiece, U+2581. */
const SPACE = '\u2581';

interface TrieNode {
  next: Map<string, TrieNode>;
  id: number;
  score: number;
}

/**
 * A unigram (SentencePiece) tokenizer over a vocabulary of `[piece, score]` pairs — the
 * `vocab.json` of the TensorFlow.js Universal Sentence Encoder. The text is NFKC-normalised,
 * spaces become `▁` and one `▁` is put in front (as USE does); then the segmentation into
 * vocabulary pieces with the highest total score is found by dynamic programming (Viterbi) over
 * the characters (code points). A character that no piece covers becomes `unkId` with a score
 * below every piece's; consecutive unknown ids merge into one. An empty text gives no ids.
 *
 * @param vocabulary - `[piece, score]` pairs; the index is the id
 * @param options - `reservedSymbols` (6), `unkId` (0)
 * @returns a {@link TfjsTokenizer} whose id is `unigram:<16 hex of sha256(vocabulary, options)>`
 * @throws MmauxEncoderError `INVALID_OPTION` for a vocabulary that is not a list of
 *   `[string, number]` pairs (the message names the first bad entry)
 *
 * @example
 * ```ts
 * const vocab: Array<[string, number]> = [['<unk>', 0], ['▁', -2], ['▁a', -1], ['b', -1.5], ['▁ab', -2]];
 * const tok = createUnigramTokenizer(vocab, { reservedSymbols: 1 });
 * tok.encode('ab'); // [4]
 * tok.encode('a b'); // [2, 1, 3]
 * tok.encode('a!!b'); // [2, 0, 3]
 * tok.id.startsWith('unigram:'); // true
 * ```
 */
export function createUnigramTokenizer(vocabulary: ReadonlyArray<readonly [string, number]>, options: UnigramTokenizerOptions = {}): TfjsTokenizer {
  const fn = 'createUnigramTokenizer';
  if (!Array.isArray(vocabulary)) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: vocabulary must be an array of [piece, score] pairs, got ${describe(vocabulary)}.`);
  const reserved = options.reservedSymbols ?? 6;
  const unkId = options.unkId ?? 0;
  if (!Number.isInteger(reserved) || reserved < 0) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: reservedSymbols must be an integer ≥ 0, got ${describe(options.reservedSymbols)}.`);
  if (!Number.isInteger(unkId) || unkId < 0) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: unkId must be an integer ≥ 0, got ${describe(options.unkId)}.`);
  const root: TrieNode = { next: new Map(), id: -1, score: 0 };
  let minScore = 0;
  vocabulary.forEach((entry, i) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
      throw new MmauxEncoderError('INVALID_OPTION', `${fn}: vocabulary[${i}] must be a [piece, score] pair (a string and a finite number), got ${JSON.stringify(entry)}.`);
    }
    if (i < reserved || entry[0].length === 0) return;
    let node = root;
    for (const ch of entry[0]) {
      let child = node.next.get(ch);
      if (!child) {
        child = { next: new Map(), id: -1, score: 0 };
        node.next.set(ch, child);
      }
      node = child;
    }
    if (node.id < 0) {
      node.id = i;
      node.score = entry[1];
      minScore = Math.min(minScore, entry[1]);
    }
  });
  // SentencePiece scores an unknown character 10 below the lowest piece.
  const unkScore = minScore - 10;
  const id = `unigram:${sha256Hex(JSON.stringify([vocabulary, reserved, unkId])).slice(0, 16)}`;

  return {
    id,
    encode(text: string): number[] {
      if (typeof text !== 'string') throw new MmauxEncoderError('INVALID_INPUT', `tokenizer.encode: text must be a string, got ${describe(text)}.`);
      const normalized = text.normalize('NFKC');
      if (normalized.length === 0) return [];
      const chars = Array.from(SPACE + normalized.replace(/ /g, SPACE));
      const n = chars.length;
      const best = new Float64Array(n + 1).fill(-Infinity);
      const from = new Int32Array(n + 1);
      const piece = new Int32Array(n + 1);
      best[0] = 0;
      for (let s = 0; s < n; s++) {
        if (best[s] === -Infinity) continue;
        let node: TrieNode | undefined = root;
        let covered = false;
        for (let e = s; e < n && node; e++) {
          node = node.next.get(chars[e]!);
          if (node && node.id >= 0) {
            const score = best[s]! + node.score;
            if (score > best[e + 1]!) {
              best[e + 1] = score;
              from[e + 1] = s;
              piece[e + 1] = node.id;
            }
            if (e === s) covered = true;
          }
        }
        if (!covered) {
          const score = best[s]! + unkScore;
          if (score > best[s + 1]!) {
            best[s + 1] = score;
            from[s + 1] = s;
            piece[s + 1] = -1;
          }
        }
      }
      // Backtrack, then merge runs of unknown characters into one unkId.
      const pieces: number[] = [];
      for (let e = n; e > 0; e = from[e]!) pieces.push(piece[e]!);
      pieces.reverse();
      const merged: number[] = [];
      pieces.forEach((p, i) => {
        if (p >= 0) merged.push(p);
        else if (i === 0 || (pieces[i - 1] as number) >= 0) merged.push(unkId);
      });
      return merged;
    },
  };
}
