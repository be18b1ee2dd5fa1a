import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { createRng, MmauxLossError, sampleItmPairs } from '../src/index.js';

describe('sampleItmPairs', () => {
  it('gives the same pairs for the same seed, different pairs for another seed', () => {
    const a = sampleItmPairs(32, { rng: createRng(5) });
    const b = sampleItmPairs(32, { rng: createRng(5) });
    const c = sampleItmPairs(32, { rng: createRng(6) });
    expect(Array.from(a.partner)).toEqual(Array.from(b.partner));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.partner)).not.toEqual(Array.from(c.partner));
  });

  it('labels 1 exactly where the partner is the post itself', () => {
    const { partner, labels } = sampleItmPairs(64, { rng: createRng(1) });
    partner.forEach((p, i) => expect(labels[i]).toBe(p === i ? 1 : 0));
  });

  it('matches at rate matchProbability over many draws', () => {
    for (const matchProbability of [0.5, 0.2, 0.9]) {
      const rng = createRng(11);
      let matched = 0;
      const draws = 400;
      const n = 16;
      for (let d = 0; d < draws; d++) matched += sampleItmPairs(n, { rng, matchProbability }).labels.reduce((a, b) => a + b, 0);
      const rate = matched / (draws * n);
      // 6400 Bernoulli draws: standard error ≤ 0.00625; allow 4 of them.
      expect(Math.abs(rate - matchProbability)).toBeLessThan(0.025);
    }
  });

  it('never pairs a post with itself or with a post of its group when swapping', () => {
    const groupIds = [0, 0, 1, 1, 2, 2, 3, 3];
    const rng = createRng(3);
    for (let d = 0; d < 200; d++) {
      const { partner, labels } = sampleItmPairs(8, { rng, groupIds, matchProbability: 0 });
      for (let i = 0; i < 8; i++) {
        expect(labels[i]).toBe(0);
        expect(partner[i]).not.toBe(i);
        expect(groupIds[partner[i]!]).not.toBe(groupIds[i]);
      }
    }
  });

  it('handles batch size 1 and 2: one stays matched (fallback), two swap with each other', () => {
    const one = sampleItmPairs(1, { rng: createRng(0), matchProbability: 0 });
    expect(Array.from(one.partner)).toEqual([0]);
    expect(Array.from(one.labels)).toEqual([1]);
    expect(one.fallbackRows).toEqual([0]);
    const two = sampleItmPairs(2, { rng: createRng(0), matchProbability: 0 });
    expect(Array.from(two.partner)).toEqual([1, 0]);
    expect(Array.from(two.labels)).toEqual([0, 0]);
    const hardTwo = sampleItmPairs(2, { rng: createRng(0), matchProbability: 0, strategy: 'hard', similarity: [[1, 2], [3, 4]] });
    expect(Array.from(hardTwo.partner)).toEqual([1, 0]);
  });

  it('falls back to matched when a whole batch is one group', () => {
    const r = sampleItmPairs(3, { rng: createRng(2), matchProbability: 0, groupIds: ['u', 'u', 'u'] });
    expect(Array.from(r.labels)).toEqual([1, 1, 1]);
    expect(r.fallbackRows).toEqual([0, 1, 2]);
  });

  it("'hard' picks high-similarity negatives more often than low ones, in softmax proportion", () => {
    // Row i: candidate j scores log(j + 1), so softmax weights ∝ j + 1 among valid candidates.
    const n = 5;
    const similarity = Array.from({ length: n }, () => Array.from({ length: n }, (_, j) => Math.log(j + 1)));
    const rng = createRng(9);
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const draws = 4000;
    for (let d = 0; d < draws; d++) {
      const { partner } = sampleItmPairs(n, { rng, matchProbability: 0, strategy: 'hard', similarity });
      partner.forEach((p, i) => counts[i]![p]!++);
    }
    const row0 = counts[0]!; // candidates 1..4 with weights 2, 3, 4, 5 (total 14)
    expect(row0[0]).toBe(0);
    [2, 3, 4, 5].forEach((w, k) => expect(Math.abs(row0[k + 1]! / draws - w / 14)).toBeLessThan(0.03));
    expect(row0[4]!).toBeGreaterThan(2 * row0[1]!);
  });

  it("'hard' accepts a tensor and uses it row-wise (row i = post i's image against every text)", () => {
    const similarity = tf.tensor2d([
      [0, 50, 0],
      [0, 0, 50],
      [50, 0, 0],
    ]);
    const { partner } = sampleItmPairs(3, { rng: createRng(4), matchProbability: 0, strategy: 'hard', similarity });
    expect(Array.from(partner)).toEqual([1, 2, 0]);
  });

  it("'hard' falls back to uniform among valid candidates when all their scores are −Infinity", () => {
    const similarity = [[0, -Infinity, -Infinity], [0, 0, 0], [0, 0, 0]];
    const rng = createRng(8);
    const seen = new Set<number>();
    for (let d = 0; d < 50; d++) {
      seen.add(sampleItmPairs(3, { rng, matchProbability: 0, strategy: 'hard', similarity }).partner[0]!);
    }
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('rejects bad input with typed errors naming the value', () => {
    const rng = createRng(0);
    const bad: Array<[() => unknown, string]> = [
      [() => sampleItmPairs(0, { rng }), 'batchSize is 0'],
      [() => sampleItmPairs(2.5, { rng }), '2.5'],
      [() => sampleItmPairs(4, { rng, matchProbability: 1.5 }), '1.5'],
      [() => sampleItmPairs(4, {} as never), 'options.rng is required'],
      [() => sampleItmPairs(2, { rng, strategy: 'hard' }), 'needs options.similarity'],
      [() => sampleItmPairs(2, { rng, strategy: 'hard', similarity: [[0, NaN], [0, 0]] }), 'similarity[0][1] is NaN'],
      [() => sampleItmPairs(2, { rng, strategy: 'hard', similarity: [1, 2, 3] }), 'N² = 4'],
      [() => sampleItmPairs(3, { rng, groupIds: [1, 2] }), 'groupIds has 2 entries'],
    ];
    for (const [call, text] of bad) {
      expect(call).toThrow(MmauxLossError);
      expect(call).toThrow(text);
    }
  });
});
