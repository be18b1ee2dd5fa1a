import { createRng } from '@mmaux/losses';
import { describe, expect, it } from 'vitest';
import { lengthGroupedBatches, MEGA_BATCHES } from '../src/length-groups.js';

describe('lengthGroupedBatches', () => {
  const lengths = Array.from({ length: 2000 }, (_, i) => 8 + ((i * 7919) % 57)); // 8…64 tokens

  it('uses every post once, in batches of the batch size (one short batch per mega-batch at most)', () => {
    const batches = lengthGroupedBatches(lengths, 16, createRng(1));
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    const short = batches.filter((b) => b.length < 16);
    expect(short.length).toBeLessThanOrEqual(Math.ceil(2000 / (16 * MEGA_BATCHES)));
  });

  it('keeps batches tight: far less padding than a plain shuffle, the longest post in the first batch', () => {
    const padding = (batches: number[][]) => batches.reduce((sum, b) => sum + b.reduce((s, i) => s + Math.max(...b.map((j) => lengths[j]!)) - lengths[i]!, 0), 0);
    const grouped = lengthGroupedBatches(lengths, 16, createRng(2));
    const order = Array.from({ length: 2000 }, (_, i) => i);
    const rng = createRng(2);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const plain = Array.from({ length: 125 }, (_, k) => order.slice(16 * k, 16 * (k + 1)));
    expect(padding(grouped)).toBeLessThan(padding(plain) / 10);
    expect(Math.max(...grouped[0]!.map((i) => lengths[i]!))).toBe(64);
  });

  it('is a function of the seed: the same seed the same batches, another seed others', () => {
    expect(lengthGroupedBatches(lengths, 8, createRng(3))).toEqual(lengthGroupedBatches(lengths, 8, createRng(3)));
    expect(lengthGroupedBatches(lengths, 8, createRng(4))).not.toEqual(lengthGroupedBatches(lengths, 8, createRng(3)));
    expect(lengthGroupedBatches([], 8, createRng(3))).toEqual([]);
  });
});
