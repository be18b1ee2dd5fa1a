import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from '../src/index.js';

/** Every finite half value, ascending, with its bits: an independent reference for rounding. */
const finiteHalves = (() => {
  const list: Array<{ v: number; bits: number }> = [];
  for (let b = 0; b < 0x10000; b++) {
    const v = fromFloat16Bits(b);
    if (Number.isFinite(v) && !(v === 0 && b === 0x8000)) list.push({ v, bits: b });
  }
  return list.sort((x, y) => x.v - y.v);
})();

/** Nearest half by search, ties to the even bit pattern; beyond the range: ±Infinity at 65520. */
function referenceBits(x: number): number {
  if (x >= 65520) return 0x7c00;
  if (x <= -65520) return 0xfc00;
  let lo = 0;
  let hi = finiteHalves.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((finiteHalves[mid] as { v: number }).v <= x) lo = mid;
    else hi = mid;
  }
  const a = finiteHalves[lo] as { v: number; bits: number };
  const b = finiteHalves[hi] as { v: number; bits: number };
  const da = Math.abs(x - a.v);
  const db = Math.abs(b.v - x);
  const pick = da < db ? a : db < da ? b : (a.bits & 1) === 0 ? a : b;
  if (pick.v === 0) return Object.is(x, -0) || x < 0 ? 0x8000 : 0;
  return pick.bits;
}

describe('float16 conversion (round to nearest even, written by hand)', () => {
  it('gives the IEEE bit patterns of landmark values', () => {
    expect(toFloat16Bits(0)).toBe(0);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff); // largest finite
    expect(toFloat16Bits(65519.99)).toBe(0x7bff); // below the midpoint to 2^16
    expect(toFloat16Bits(65520)).toBe(0x7c00); // the midpoint rounds to even: Infinity
    expect(toFloat16Bits(Infinity)).toBe(0x7c00);
    expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -25)).toBe(0); // half of it: tie to even (zero)
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(1); // above the tie
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('rounds ties to the even neighbour', () => {
    const ulp = 2 ** -10;
    expect(toFloat16Bits(1 + ulp / 2)).toBe(0x3c00); // 1 is even
    expect(toFloat16Bits(1 + (3 * ulp) / 2)).toBe(0x3c02); // between 0x3c01 (odd) and 0x3c02
    expect(toFloat16Bits(1 + ulp / 2 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(toFloat16Bits(2047.5 * 2 ** -10 * 2 ** 0)).toBe(toFloat16Bits(2)); // carries into the exponent
  });

  it('matches a search over all 65536 half values on 20,000 random inputs of every magnitude', () => {
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const wrong: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = Math.fround((rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 44 - 28) * (1 + rnd()));
      if (toFloat16Bits(x) !== referenceBits(x)) wrong.push(x);
    }
    expect(wrong).toEqual([]);
  });

  it('round-trips every half value exactly', () => {
    const wrong: number[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const v = fromFloat16Bits(b);
      if (!Number.isNaN(v) && toFloat16Bits(v) !== b) wrong.push(b);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the relative error within 2^-11 for normal values and 2^-25 absolute below', () => {
    const x = new Float32Array(50_000);
    let s = 7;
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const u = s / 2 ** 32;
      x[i] = Math.fround((u - 0.5) * 2 ** ((i % 40) - 24));
    }
    const back = float16ToFloat32(float32ToFloat16(x));
    let worstRelative = 0;
    let worstAbsolute = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      const err = Math.abs((back[i] as number) - v);
      if (Math.abs(v) >= 2 ** -14) worstRelative = Math.max(worstRelative, err / Math.abs(v));
      else worstAbsolute = Math.max(worstAbsolute, err);
    }
    expect(worstRelative).toBeLessThanOrEqual(2 ** -11);
    expect(worstRelative).toBeGreaterThan(2 ** -12); // the bound is tight, not vacuous
    expect(worstAbsolute).toBeLessThanOrEqual(2 ** -25);
  });
});
