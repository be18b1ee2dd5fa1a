import { describe, expect, it } from 'vitest';
import { createTextEncoder, createTextHashEncoder, fnv1a32, MmauxEncoderError, tweetTokens } from '../src/index.js';
import { cosine, rejectsWithCode } from './helpers/util.js';

describe('tweetTokens', () => {
  it('lower-cases, maps mentions and URLs, splits hashtags and keeps emoji', () => {
    expect(tweetTokens('Check THIS out @NASA: https://t.co/AbC #SpaceX_Launch2024 🚀🚀 #NYC')).toEqual([
      'check', 'this', 'out', '@user', 'httpurl', '#', 'space', 'x', 'launch', '2024', '🚀', '🚀', '#', 'nyc',
    ]);
    expect(tweetTokens('www.example.com/x and HTTPURL @USER')).toEqual(['httpurl', 'and', 'httpurl', '@user']);
    expect(tweetTokens('👍🏽 👨‍👩‍👧 🇬🇧')).toEqual(['👍🏽', '👨‍👩‍👧', '🇬🇧']);
    expect(tweetTokens('so good?!?!? :( ;-)')).toEqual(['so', 'good', '?!?', ':(', ';-)']);
    expect(tweetTokens('')).toEqual([]);
  });
});

describe('builtin:text-hash', () => {
  const texts = ['I love my new phone 😍 #blessed', 'i LOVE my new phone!! 😍', 'Traffic on the M25 is terrible today @user', ''];

  it('has the documented shapes, masks and norms', async () => {
    const enc = createTextHashEncoder();
    expect(enc.dim).toBe(512);
    expect(enc.maxLength).toBe(128);
    const f = await enc.encode(texts);
    const lengths = texts.map((t) => 1 + tweetTokens(t).length); // <s> + tokens
    const L = Math.max(...lengths);
    expect(f.shape).toEqual({ n: 4, length: L, dim: 512 });
    expect(f.tokens.length).toBe(4 * L * 512);
    for (let i = 0; i < 4; i++) {
      const row = Array.from(f.mask.subarray(i * L, (i + 1) * L));
      expect(row).toEqual(Array.from({ length: L }, (_, p) => (p < (lengths[i] as number) ? 1 : 0)));
      // every real token feature has unit norm, padding is zero
      for (let p = 0; p < L; p++) {
        let norm = 0;
        for (let j = 0; j < 512; j++) norm += (f.tokens[(i * L + p) * 512 + j] as number) ** 2;
        expect(norm).toBeCloseTo(p < (lengths[i] as number) ? 1 : 0, 5);
      }
    }
    // pooled: unit norm, except the empty text (no tokens at all) which is all zero
    const pooledNorm = (i: number) => Math.hypot(...f.pooled.subarray(i * 512, (i + 1) * 512));
    expect(pooledNorm(0)).toBeCloseTo(1, 6);
    expect(pooledNorm(3)).toBe(0);
  });

  it('computes the pooled vector as signed hashed unigram+bigram counts with sublinear tf', async () => {
    const dim = 64;
    const f = await createTextHashEncoder({ dim }).encode(['cat cat dog']);
    // independent computation: terms cat (tf 2), dog (1), "cat cat" (1), "cat dog" (1)
    const expected = new Float64Array(dim);
    for (const [term, tf] of [['cat', 2], ['dog', 1], ['cat cat', 1], ['cat dog', 1]] as const) {
      const sign = fnv1a32(term, 0x2545f491) & 1 ? -1 : 1;
      expected[fnv1a32(term) % dim]! += sign * (1 + Math.log(tf));
    }
    const norm = Math.hypot(...expected);
    for (let j = 0; j < dim; j++) expect(f.pooled[j]).toBeCloseTo((expected[j] as number) / norm, 6);
  });

  it('is deterministic across instances and independent of batch composition', async () => {
    const a = await createTextHashEncoder({ dim: 128 }).encode(texts);
    const b = await createTextHashEncoder({ dim: 128 }).encode(texts);
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    expect(Array.from(a.pooled)).toEqual(Array.from(b.pooled));
    const single = await createTextHashEncoder({ dim: 128 }).encode([texts[1] as string]);
    expect(Array.from(single.pooled)).toEqual(Array.from(a.pooled.subarray(128, 256)));
    const L = a.shape.length;
    const Ls = single.shape.length;
    expect(Array.from(single.tokens)).toEqual(Array.from(a.tokens.subarray(L * 128, L * 128 + Ls * 128)));
  });

  it('ranks the same post above a different one', async () => {
    const f = await createTextHashEncoder().encode(texts);
    expect(cosine(f.pooled, 0, 0, 512)).toBeCloseTo(1, 6);
    expect(cosine(f.pooled, 0, 1, 512)).toBeGreaterThan(0.4);
    expect(cosine(f.pooled, 0, 1, 512)).toBeGreaterThan(cosine(f.pooled, 0, 2, 512) + 0.3);
  });

  it('token features: the same token in the same context is the same vector; the seed changes them but not the pooled vector', async () => {
    const a = await createTextHashEncoder({ dim: 32 }).encode(['good day', 'good day']);
    const L = a.shape.length;
    expect(Array.from(a.tokens.subarray(0, L * 32))).toEqual(Array.from(a.tokens.subarray(L * 32, 2 * L * 32)));
    const s1 = await createTextHashEncoder({ dim: 32, seed: 1 }).encode(['good day']);
    expect(Array.from(s1.pooled)).toEqual(Array.from(a.pooled.subarray(0, 32)));
    expect(Array.from(s1.tokens)).not.toEqual(Array.from(a.tokens.subarray(0, L * 32)));
    expect(createTextHashEncoder({ seed: 1 }).id).not.toBe(createTextHashEncoder().id);
  });

  it('cuts texts to maxLength tokens, <s> included', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    const f = await createTextHashEncoder({ maxLength: 16, dim: 8 }).encode([long, 'short']);
    expect(f.shape.length).toBe(16);
    expect(Array.from(f.mask.subarray(0, 16)).every((m) => m === 1)).toBe(true);
    expect(createTextHashEncoder({ maxLength: 16 }).id).toContain('max=16');
  });

  it('is what createTextEncoder("builtin:text-hash") returns, and rejects bad input with typed errors', async () => {
    const enc = await createTextEncoder('builtin:text-hash', { dim: 16 });
    expect(enc.id).toBe(createTextHashEncoder({ dim: 16 }).id);
    expect(() => createTextHashEncoder({ dim: 0 })).toThrow(MmauxEncoderError);
    expect(() => createTextHashEncoder({ seed: -1 })).toThrow(/seed/);
    const err = await rejectsWithCode(enc.encode(['ok', 3 as unknown as string]), 'INVALID_INPUT');
    expect(err.message).toMatch(/texts\[1\] must be a string, got number 3/);
    await rejectsWithCode(enc.encode('just one' as unknown as string[]), 'INVALID_INPUT');
    await rejectsWithCode(createTextEncoder('builtin:image-patches'), 'INVALID_SPEC');
  });
});
