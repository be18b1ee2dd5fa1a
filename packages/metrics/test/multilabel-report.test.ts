import { describe, expect, it } from 'vitest';
import { createRng, multilabelReport } from '../src/index.js';
import { refMultilabel } from './reference.js';

describe('multilabelReport', () => {
  // Worked by hand, cell by cell (see the comments).
  const y = [
    [1, 0, 1],
    [0, 1, 0],
    [1, 1, 0],
    [0, 0, 0],
  ];
  const p = [
    [1, 0, 0],
    [0, 1, 1],
    [1, 0, 0],
    [0, 0, 0],
  ];
  const r = multilabelReport(y, p, { labelNames: ['a', 'b', 'c'] });

  it('per label: a tp 2 (P=R=F=1), b tp 1 fn 1 (P 1, R 0.5), c fp 1 fn 1 (all 0)', () => {
    expect(r.perLabel.map((l) => [l.name, l.precision, l.recall, l.support])).toEqual([
      ['a', 1, 1, 2],
      ['b', 1, 0.5, 2],
      ['c', 0, 0, 1],
    ]);
    expect(r.perLabel[1]?.f1).toBeCloseTo(2 / 3, 15);
    expect(r.confusion).toEqual([
      [
        [2, 0],
        [0, 2],
      ],
      [
        [2, 0],
        [1, 1],
      ],
      [
        [2, 1],
        [1, 0],
      ],
    ]);
  });

  it('macro, weighted (supports 2, 2, 1), micro (tp 3, fp 1, fn 2) and samples averages', () => {
    expect(r.precision.macro).toBeCloseTo(2 / 3, 15);
    expect(r.recall.macro).toBeCloseTo(0.5, 15);
    expect(r.f1.macro).toBeCloseTo(5 / 9, 15);
    expect(r.precision.weighted).toBeCloseTo(0.8, 15);
    expect(r.recall.weighted).toBeCloseTo(0.6, 15);
    expect(r.f1.weighted).toBeCloseTo(2 / 3, 15);
    expect(r.precision.micro).toBe(0.75);
    expect(r.recall.micro).toBe(0.6);
    expect(r.f1.micro).toBeCloseTo(2 / 3, 15);
    // rows: (P 1, R ½), (P ½, R 1), (P 1, R ½), empty row (0/0 → 0)
    expect(r.precision.samples).toBe(0.625);
    expect(r.recall.samples).toBe(0.5);
    expect(r.f1.samples).toBeCloseTo(0.5, 15);
  });

  it('subset accuracy and Hamming loss', () => {
    expect(r.subsetAccuracy).toBe(0.25);
    expect(r.hammingLoss).toBe(0.25);
    expect(r.support).toBe(4);
    expect(r.numLabels).toBe(3);
  });

  it('all-negative input gives zeros, never NaN', () => {
    const z = multilabelReport([[0, 0]], [[0, 0]]);
    expect(z.subsetAccuracy).toBe(1);
    expect(z.hammingLoss).toBe(0);
    for (const s of [z.precision, z.recall, z.f1]) expect(s).toEqual({ macro: 0, weighted: 0, micro: 0, samples: 0 });
  });

  it('a perfect predictor scores 1, an inverted one 0', () => {
    const perfect = multilabelReport(y.slice(0, 3), y.slice(0, 3));
    expect(perfect.f1).toEqual({ macro: 1, weighted: 1, micro: 1, samples: 1 });
    expect(perfect.subsetAccuracy).toBe(1);
    const inverted = multilabelReport(y, y.map((row) => row.map((v) => 1 - v)));
    expect(inverted.f1).toEqual({ macro: 0, weighted: 0, micro: 0, samples: 0 });
    expect(inverted.hammingLoss).toBe(1);
  });

  it('agrees with an independent cell-by-cell implementation on 40 random cases', () => {
    const rng = createRng(5);
    for (let k = 0; k < 40; k++) {
      const n = 1 + Math.floor(rng() * 60);
      const l = 1 + Math.floor(rng() * 6);
      const density = rng();
      const ym = Array.from({ length: n }, () => Array.from({ length: l }, () => (rng() < density ? 1 : 0)));
      const pm = ym.map((row) => row.map((v) => (rng() < 0.3 ? 1 - v : v)));
      const got = multilabelReport(ym, pm);
      const ref = refMultilabel(ym, pm);
      expect(got.subsetAccuracy).toBeCloseTo(ref.subsetAccuracy, 14);
      expect(got.hammingLoss).toBeCloseTo(ref.hammingLoss, 14);
      for (const stat of ['precision', 'recall', 'f1'] as const) {
        for (const avg of ['macro', 'weighted', 'micro', 'samples'] as const) {
          expect(Math.abs(got[stat][avg] - ref[stat][avg])).toBeLessThanOrEqual(1e-12);
        }
      }
      got.perLabel.forEach((pl, j) => {
        expect(Math.abs(pl.f1 - ref.perLabel[j]!.f)).toBeLessThanOrEqual(1e-12);
        expect(pl.support).toBe(ref.perLabel[j]!.support);
      });
    }
  });
});
