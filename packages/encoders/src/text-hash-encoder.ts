import { MmauxEncoderError } from './errors.js';
import { fnv1a32 } from './hash.js';
import { fillGaussian, splitmix32 } from './rng.js';
import { tweetTokens } from './tweet-tokens.js';
import type { TextFeatureEncoder, TextFeatures } from './types.js';
import { checkTexts, positiveInt } from './validate.js';

/** Options of the built-in `builtin:text-hash` encoder. */
export interface TextHashOptions {
  /**
   * Feature size D of the pooled vector and of each token feature.
   * @defaultValue 512
   */
  dim?: number;
  /**
   * Tokens per text, the leading `<s>` included (the paper's text length).
   * @defaultValue 128
   */
  maxLength?: number;
  /**
   * Seed of the fixed random token projections (the pooled vector does not depend on it).
   * @defaultValue 0
   */
  seed?: number;
}

/** Hash buckets for token projections: 2²⁰ distinct vectors before collisions. */
const BUCKETS = 1 << 20;
const SIGN_BASIS = 0x2545f491; // a second FNV basis: the sign of a hashed feature
const BOS = '<s>';
const PROJECTION_CACHE_SIZE = 65_536;

/**
 * The built-in offline text encoder (`builtin:text-hash`), a real bag-of-n-grams baseline that
 * needs no download:
 *
 * - tokens: {@link tweetTokens} (lower-case, `@user`, `httpurl`, hashtags split, emoji kept)
 *   after a leading `<s>`, cut to `maxLength`;
 * - pooled `[n, dim]`: unigrams and bigrams hashed with FNV-1a into `dim` signed buckets
 *   (a second hash gives the sign, so collisions cancel on average), sublinear term frequency
 *   `1 + ln tf`, L2-normalised (all zero for a text without tokens);
 * - token features `[n, length, dim]`: position i is `v(tᵢ) + v(tᵢ₋₁ tᵢ)` L2-normalised, where
 *   `v(·)` is a fixed Gaussian random vector per hash bucket (2²⁰ buckets, seeded by `seed`),
 *   i.e. a seeded random projection of the token's hashed one-hot; so attention models get a
 *   sequence in which each position also knows its left neighbour.
 *
 * Deterministic: the same text gives the same features on every machine.
 *
 * @param options - `dim` (512), `maxLength` (128), `seed` (0)
 * @returns a {@link TextFeatureEncoder}; its `id` records the version of the algorithm and every
 *   option
 * @throws MmauxEncoderError `INVALID_OPTION` for a bad option, `INVALID_INPUT` (from `encode`)
 *   for texts that are not strings
 *
 * @example
 * ```ts
 * const enc = createTextHashEncoder({ dim: 64 });
 * enc.id; // "builtin:text-hash;v=1;dim=64;max=128;seed=0"
 * const f = await enc.encode(['I love my cat', 'i LOVE my cat!', 'stocks fell sharply']);
 * f.shape; // {"n": 3, "length": 6, "dim": 64}
 * Array.from(f.mask.slice(0, 6)); // [1, 1, 1, 1, 1, 0]
 * const cos = (a: number, b: number) => { let s = 0; for (let j = 0; j < 64; j++) s += f.pooled[a * 64 + j]! * f.pooled[b * 64 + j]!; return s; };
 * cos(0, 1) > cos(0, 2); // true
 * ```
 */
export function createTextHashEncoder(options: TextHashOptions = {}): TextFeatureEncoder {
  const fn = 'createTextHashEncoder';
  const dim = positiveInt(fn, 'dim', options.dim, 512, 1 << 16);
  const maxLength = positiveInt(fn, 'maxLength', options.maxLength, 128, 1 << 16);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: seed must be an integer in [0, 2^32), got ${String(seed)}.`);
  }
  const id = `builtin:text-hash;v=1;dim=${dim};max=${maxLength};seed=${seed}`;
  const projections = new Map<number, Float32Array>();
  const scale = 1 / Math.sqrt(dim);

  const projection = (term: string): Float32Array => {
    const bucket = fnv1a32(term) & (BUCKETS - 1);
    let v = projections.get(bucket);
    if (v === undefined) {
      v = new Float32Array(dim);
      fillGaussian(splitmix32(Math.imul(bucket, 0x9e3779b1) ^ seed), v, scale);
      if (projections.size >= PROJECTION_CACHE_SIZE) projections.clear();
      projections.set(bucket, v);
    }
    return v;
  };

  const pooledOf = (tokens: string[], out: Float32Array, offset: number): void => {
    const tf = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as string;
      tf.set(t, (tf.get(t) ?? 0) + 1);
      if (i > 0) {
        const bigram = `${tokens[i - 1] as string} ${t}`;
        tf.set(bigram, (tf.get(bigram) ?? 0) + 1);
      }
    }
    for (const [term, count] of tf) {
      const h = fnv1a32(term);
      const sign = fnv1a32(term, SIGN_BASIS) & 1 ? -1 : 1;
      out[offset + (h % dim)]! += sign * (1 + Math.log(count));
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (out[offset + j] as number) ** 2;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[offset + j]! *= inv;
    }
  };

  return {
    kind: 'text',
    spec: 'builtin:text-hash',
    id,
    dim,
    maxLength,
    async encode(texts: readonly string[]): Promise<TextFeatures> {
      checkTexts('textHashEncoder.encode', texts);
      const tokenized = texts.map((t) => [BOS, ...tweetTokens(t)].slice(0, maxLength));
      const n = texts.length;
      const length = tokenized.reduce((m, t) => Math.max(m, t.length), 0);
      const tokens = new Float32Array(n * length * dim);
      const mask = new Uint8Array(n * length);
      const pooled = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        const toks = tokenized[i] as string[];
        pooledOf(toks.slice(1), pooled, i * dim);
        for (let p = 0; p < toks.length; p++) {
          const base = (i * length + p) * dim;
          mask[i * length + p] = 1;
          const uni = projection(toks[p] as string);
          const bi = p > 0 ? projection(`${toks[p - 1] as string} ${toks[p] as string}`) : undefined;
          let norm = 0;
          for (let j = 0; j < dim; j++) {
            const v = (uni[j] as number) + (bi ? (bi[j] as number) : 0);
            tokens[base + j] = v;
            norm += v * v;
          }
          const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
          for (let j = 0; j < dim; j++) tokens[base + j]! *= inv;
        }
      }
      return { tokens, mask, pooled, shape: { n, length, dim } };
    },
    async dispose(): Promise<void> {
      projections.clear();
    },
  };
}
