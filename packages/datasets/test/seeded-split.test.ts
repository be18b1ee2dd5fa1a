import { describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { seededSplit, splitSizes } from '../src/seeded-split.js';
import type { Split } from '../src/types.js';

/** n posts with the given class counts, ids "id-0"… in a scrambled order. */
function posts(counts: number[]): Array<{ id: string; label: number }> {
  const out: Array<{ id: string; label: number }> = [];
  counts.forEach((n, label) => {
    for (let k = 0; k < n; k++) out.push({ id: `id-${out.length}`, label });
  });
  // A fixed, seed-independent scramble so input order is not id order.
  return out.map((p, i) => ({ p, key: (i * 7919) % out.length })).sort((a, b) => a.key - b.key).map((x) => x.p);
}

function tally(items: Array<{ label: number }>, splits: Split[], numClasses: number): Record<Split, number[]> {
  const t: Record<Split, number[]> = { train: Array(numClasses).fill(0), val: Array(numClasses).fill(0), test: Array(numClasses).fill(0) };
  splits.forEach((s, i) => t[s][items[i]!.label]!++);
  return t;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

describe('splitSizes', () => {
  it("reproduces the paper's split sizes (⌊0.8n⌋ / ⌊0.1n⌋ / rest)", () => {
    expect(splitSizes(4471)).toEqual({ train: 3576, val: 447, test: 448 });
    expect(splitSizes(4511)).toEqual({ train: 3608, val: 451, test: 452 });
    expect(splitSizes(10)).toEqual({ train: 8, val: 1, test: 1 });
    expect(splitSizes(0)).toEqual({ train: 0, val: 0, test: 0 });
    expect(splitSizes(5, [0.6, 0.2, 0.2])).toEqual({ train: 3, val: 1, test: 1 });
  });

  it('rejects bad fractions and sizes', () => {
    expect(() => splitSizes(10, [0.5, 0.1, 0.1])).toThrow(/summing to 1/);
    expect(() => splitSizes(-1)).toThrow(MmauxDatasetError);
  });
});

describe('seededSplit', () => {
  it('gives TIR its 3576/447/448 with every class within one post of its share', () => {
    const items = posts([830, 1147, 981, 1513]); // TIR's class counts
    const t = tally(items, seededSplit(items, { seed: 0 }), 4);
    expect([sum(t.train), sum(t.val), sum(t.test)]).toEqual([3576, 447, 448]);
    [830, 1147, 981, 1513].forEach((n, c) => {
      expect(Math.abs(t.train[c]! - 0.8 * n)).toBeLessThan(1);
      expect(Math.abs(t.val[c]! - 0.1 * n)).toBeLessThan(1);
      expect(t.train[c]! + t.val[c]! + t.test[c]!).toBe(n);
    });
  });

  it('gives MVSA-Single its 3608/451/452', () => {
    const items = posts([470, 2683, 1358]); // neutral, positive, negative
    const t = tally(items, seededSplit(items, { seed: 3 }), 3);
    expect([sum(t.train), sum(t.val), sum(t.test)]).toEqual([3608, 451, 452]);
  });

  it('is the same on every run, whatever the input order (ids are sorted first)', () => {
    const items = posts([60, 25, 15]);
    const a = seededSplit(items, { seed: 11 });
    const byId = new Map(items.map((p, i) => [p.id, a[i]]));
    const reversed = [...items].reverse();
    const b = seededSplit(reversed, { seed: 11 });
    reversed.forEach((p, i) => expect(b[i]).toBe(byId.get(p.id)));
    expect(seededSplit(items, { seed: 11 })).toEqual(a);
  });

  it('changes with the seed', () => {
    const items = posts([60, 25, 15]);
    expect(seededSplit(items, { seed: 1 })).not.toEqual(seededSplit(items, { seed: 2 }));
  });

  it('is pinned: seed 0 on ten posts gives these exact ids (mulberry32, Fisher–Yates, id order)', () => {
    // A change here changes every seeded split users have recorded.
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, label: i < 5 ? 0 : 1 }));
    const splits = seededSplit(items, { seed: 0 });
    const pick = (s: Split) => items.filter((_, i) => splits[i] === s).map((p) => p.id);
    expect({ train: pick('train'), val: pick('val'), test: pick('test') }).toMatchInlineSnapshot(`
      {
        "test": [
          "p7",
        ],
        "train": [
          "p0",
          "p2",
          "p3",
          "p4",
          "p5",
          "p6",
          "p8",
          "p9",
        ],
        "val": [
          "p1",
        ],
      }
    `);
  });

  it('keeps the totals exact with tiny classes', () => {
    // n = 21: train ⌊16.8⌋ = 16 and val ⌊2.1⌋ = 2 are both used up by the big class's whole
    // shares (16, 2), so the class of one ends in test.
    const items = [...posts([20]), { id: 'lonely', label: 1 }];
    const splits = seededSplit(items, { seed: 5 });
    expect(splits.at(-1)).toBe('test');
    const t = tally(items, splits, 2);
    expect([sum(t.train), sum(t.val), sum(t.test)]).toEqual([16, 2, 3]);
  });

  it('refuses duplicate ids and bad labels or seeds', () => {
    expect(() => seededSplit([{ id: 'a', label: 0 }, { id: 'a', label: 1 }])).toThrow(/"a" occurs more than once/);
    expect(() => seededSplit([{ id: 'a', label: -1 }])).toThrow(/labels must be integers/);
    expect(() => seededSplit([{ id: 'a', label: 0 }], { seed: 1.5 })).toThrow(/seed must be an integer/);
  });
});
